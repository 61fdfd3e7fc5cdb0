/// One ground-truth object of a dataset.
///
/// The box is COCO's `[x, y, width, height]`: top-left corner and size in continuous pixel
/// coordinates (x2 = x + width, no "+1"). VOC importers convert `xmin, ymin, xmax, ymax`
/// as `x = xmin, w = xmax - xmin` (no -1 shift, as the real converters do).
public struct AnnotationRecord: Hashable, Sendable {
  /// The source's annotation id. Formats without ids number objects 1, 2, ... in file order.
  public var id: RecordID
  public var imageID: RecordID
  public var categoryID: RecordID
  /// Left edge, pixels.
  public var x: Double
  /// Top edge, pixels.
  public var y: Double
  /// Width, pixels; must be > 0.
  public var width: Double
  /// Height, pixels; must be > 0.
  public var height: Double
  /// COCO `area` (for real COCO the *mask* area, not width x height). `nil` on input means the
  /// given box's `width * height` (before any clipping); records read back always carry a value.
  public var area: Double?
  public var isCrowd: Bool
  /// Pascal VOC `difficult`.
  public var isDifficult: Bool
  /// Pascal VOC `truncated`.
  public var isTruncated: Bool
  /// VOC / CVAT `occluded`.
  public var isOccluded: Bool
  /// VOC `pose` (`Frontal`, `Left`, `Unspecified`, ...).
  public var pose: String?
  /// COCO `segmentation` exactly as the source wrote it (JSON text of a polygon list or an
  /// RLE object), so an export gives it back unchanged. `nil` when absent.
  public var segmentation: String?
  /// Further source fields as the text of a JSON object (`{"ignore":1}`), kept verbatim and
  /// written back into the COCO export's annotation object; a member here replaces the
  /// exporter's own for the same key (an `iscrowd` written as `true`, an `image_id` written
  /// as a string). `nil` when none are kept.
  public var extra: String?
  /// COCO keys the exporter would write by default (`area`, `iscrowd`) that the source
  /// record did not have, so an export leaves them out again.
  public var omitted: OmittedKeys

  /// A set of COCO annotation keys that have a default in the export.
  public struct OmittedKeys: OptionSet, Hashable, Sendable {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// `area` (stored as `width * height` when absent).
    public static let area = OmittedKeys(rawValue: 1)
    /// `iscrowd` (stored as 0 when absent).
    public static let isCrowd = OmittedKeys(rawValue: 2)
  }

  public init(
    id: RecordID, imageID: RecordID, categoryID: RecordID,
    x: Double, y: Double, width: Double, height: Double,
    area: Double? = nil, isCrowd: Bool = false, isDifficult: Bool = false,
    isTruncated: Bool = false, isOccluded: Bool = false, pose: String? = nil,
    segmentation: String? = nil, extra: String? = nil, omitted: OmittedKeys = []
  ) {
    self.id = id
    self.imageID = imageID
    self.categoryID = categoryID
    self.x = x
    self.y = y
    self.width = width
    self.height = height
    self.area = area
    self.isCrowd = isCrowd
    self.isDifficult = isDifficult
    self.isTruncated = isTruncated
    self.isOccluded = isOccluded
    self.pose = pose
    self.segmentation = segmentation
    self.extra = extra
    self.omitted = omitted
  }
}
