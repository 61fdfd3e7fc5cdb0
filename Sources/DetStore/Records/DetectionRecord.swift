/// One detector output from a results file (COCO results: `image_id, category_id, bbox,
/// score`), tied to a dataset whose images and categories it refers to.
public struct DetectionRecord: Hashable, Sendable {
  public var imageID: RecordID
  public var categoryID: RecordID
  /// Box `[x, y, width, height]` in pixels, as for `AnnotationRecord`.
  public var x: Double
  public var y: Double
  public var width: Double
  public var height: Double
  /// Confidence; must be finite.
  public var score: Double
  /// The `segmentation` JSON text when the results file has one, else `nil`.
  public var segmentation: String?
  /// Further members of the result kept verbatim as the text of a JSON object (`id`,
  /// `area`, `category_name`, an id written as a string, ...), written back by
  /// `COCOResultsExporter`; `nil` when none.
  public var extra: String?

  public init(
    imageID: RecordID, categoryID: RecordID, x: Double, y: Double, width: Double,
    height: Double, score: Double, segmentation: String? = nil, extra: String? = nil
  ) {
    self.imageID = imageID
    self.categoryID = categoryID
    self.x = x
    self.y = y
    self.width = width
    self.height = height
    self.score = score
    self.segmentation = segmentation
    self.extra = extra
  }
}
