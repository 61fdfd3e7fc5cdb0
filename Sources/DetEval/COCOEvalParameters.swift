/// The settings of a COCO bbox evaluation, pycocotools' `Params` for `iouType='bbox'`.
///
/// The defaults are pycocotools': IoU thresholds `.50:.05:.95` and recall points `0:.01:1`
/// built as `np.linspace` builds them (so the ninth threshold is `0.8999999999999999`, not
/// `0.9`), maxDets `[1, 10, 100]`, the four COCO area ranges, every image and category of the
/// ground truth, categories used.
public struct COCOEvalParameters: Hashable, Sendable {
  /// IoU thresholds, in the order the precision and recall arrays index them.
  public var iouThresholds: [Double]
  /// Recall points at which precision is sampled.
  public var recallThresholds: [Double]
  /// Detections kept per image (and category when ``usesCategories``), best score first.
  /// Evaluation sorts them ascending, as pycocotools does; the largest bounds matching.
  public var maxDetections: [Int]
  /// Area ranges, in the order the arrays index them.
  public var areaRanges: [AreaRange]
  /// The images to evaluate (`params.imgIds`); `nil` means every ground-truth image.
  /// Evaluation sorts and deduplicates them.
  public var imageIDs: [Int64]?
  /// The categories to evaluate (`params.catIds`); `nil` means every ground-truth category.
  /// Evaluation sorts and deduplicates them.
  public var categoryIDs: [Int64]?
  /// `params.useCats`: when false, detections match ground truth of any selected category
  /// (proposal scoring) and the arrays have one category slot.
  public var usesCategories: Bool

  public init(
    iouThresholds: [Double] = COCOEvalParameters.linspace(0.5, 0.95, count: 10),
    recallThresholds: [Double] = COCOEvalParameters.linspace(0, 1, count: 101),
    maxDetections: [Int] = [1, 10, 100],
    areaRanges: [AreaRange] = AreaRange.coco,
    imageIDs: [Int64]? = nil,
    categoryIDs: [Int64]? = nil,
    usesCategories: Bool = true
  ) {
    self.iouThresholds = iouThresholds
    self.recallThresholds = recallThresholds
    self.maxDetections = maxDetections
    self.areaRanges = areaRanges
    self.imageIDs = imageIDs
    self.categoryIDs = categoryIDs
    self.usesCategories = usesCategories
  }

  /// `np.linspace(start, stop, count, endpoint=True)` to the bit: `i * step + start` with
  /// `step = (stop - start) / (count - 1)`, and the last value set to `stop`.
  /// - Returns: `[start]` when `count == 1`, `[]` when `count <= 0`.
  /// - Complexity: O(count).
  public static func linspace(_ start: Double, _ stop: Double, count: Int) -> [Double] {
    guard count > 0 else { return [] }
    guard count > 1 else { return [start] }
    let step = (stop - start) / Double(count - 1)
    var values = (0..<count).map { Double($0) * step + start }
    values[count - 1] = stop
    return values
  }

  /// Checks the settings can describe an evaluation.
  /// - Throws: `EvalError.invalidParameters` for an empty list, a non-finite threshold, a
  ///   maxDets below 1, or an area range with `lower > upper` or NaN.
  public func validate() throws {
    func fail(_ detail: String) -> EvalError {
      EvalError(code: .invalidParameters, detail: detail)
    }
    if iouThresholds.isEmpty { throw fail("no IoU thresholds") }
    if let bad = iouThresholds.first(where: { !$0.isFinite }) {
      throw fail("IoU threshold \(bad) is not finite")
    }
    if recallThresholds.isEmpty { throw fail("no recall thresholds") }
    if let bad = recallThresholds.first(where: { !$0.isFinite }) {
      throw fail("recall threshold \(bad) is not finite")
    }
    if maxDetections.isEmpty { throw fail("no maxDets") }
    if let bad = maxDetections.first(where: { $0 < 1 }) {
      throw fail("maxDets \(bad) is below 1")
    }
    if areaRanges.isEmpty { throw fail("no area ranges") }
    for range in areaRanges where !(range.lower <= range.upper) {
      throw fail("area range \(range.label) [\(range.lower), \(range.upper)] is empty or NaN")
    }
  }
}
