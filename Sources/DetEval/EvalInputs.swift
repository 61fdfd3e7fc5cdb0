/// One ground-truth box as COCO stores it: `[x, y, width, height]` in pixels (top-left corner
/// and size, continuous coordinates), the stored `area` and the crowd flag.
///
/// IoU uses the box; the area ranges use `area` (for real COCO files the *mask* area, which
/// differs from `width * height`), exactly as pycocotools does.
public struct EvalGroundTruth: Hashable, Sendable {
  /// The annotation id. Only its being zero matters: pycocotools records a match as the
  /// matched ground truth's id and treats id 0 as "no match", so a detection matched to a
  /// ground truth with id 0 counts as a false positive (reproduced on purpose).
  public var id: Int64
  public var imageID: Int64
  public var categoryID: Int64
  public var x: Double
  public var y: Double
  public var width: Double
  public var height: Double
  /// The stored area (pixels squared) the area ranges test, inclusive at both ends.
  public var area: Double
  /// A crowd region: ignored when counting, IoU = intersection / detection area, and it may
  /// absorb any number of detections. (pycocotools 2.0 sets `ignore` from `iscrowd` alone, so
  /// an annotation's own `ignore` field has no effect there; it has no counterpart here.)
  public var isCrowd: Bool

  public init(
    id: Int64, imageID: Int64, categoryID: Int64, x: Double, y: Double, width: Double,
    height: Double, area: Double, isCrowd: Bool = false
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
  }
}

/// One detector output: `[x, y, width, height]` in pixels and a confidence score.
///
/// Its area for the area ranges is `width * height` (pycocotools' `loadRes`). Boxes are
/// evaluated as given: zero-size, negative-size or out-of-image boxes simply overlap nothing
/// or less.
public struct EvalDetection: Hashable, Sendable {
  public var imageID: Int64
  public var categoryID: Int64
  public var x: Double
  public var y: Double
  public var width: Double
  public var height: Double
  /// Confidence; higher first. Ties keep input order (a stable sort, like pycocotools'
  /// `np.argsort(-scores, kind='mergesort')`); NaN sorts last.
  public var score: Double

  public init(
    imageID: Int64, categoryID: Int64, x: Double, y: Double, width: Double, height: Double,
    score: Double
  ) {
    self.imageID = imageID
    self.categoryID = categoryID
    self.x = x
    self.y = y
    self.width = width
    self.height = height
    self.score = score
  }
}
