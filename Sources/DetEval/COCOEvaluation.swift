/// The accumulated result of a COCO evaluation: pycocotools' `eval['precision']` and
/// `eval['recall']`, in the same C-order layouts.
///
/// - `precision[t][r][k][a][m]`: IoU threshold, recall point, category slot, area range,
///   maxDets; flat index `(((t * R + r) * K + k) * A + a) * M + m`.
/// - `recall[t][k][a][m]`: flat index `((t * K + k) * A + a) * M + m`.
///
/// Both hold -1 for a setting without ground truth that counts (absent category, or every
/// ground truth ignored in that area range).
public struct COCOEvaluation: Sendable {
  /// The parameters as evaluated: images and categories resolved, sorted and deduplicated;
  /// maxDets sorted ascending.
  public let parameters: COCOEvalParameters
  /// The category id of each slot `k`: the selected categories, or `[-1]` when
  /// ``COCOEvalParameters/usesCategories`` is false (pycocotools' convention).
  public let categorySlots: [Int64]
  public let precision: [Double]
  public let recall: [Double]
  /// Per-image matching counts, one per selected image in ascending id order, when
  /// ``COCOEvaluator/evaluate(images:categories:groundTruth:detections:imageCounts:)`` was
  /// asked for them; empty otherwise.
  public internal(set) var imageCounts: [ImageMatchCounts] = []

  /// The flat index into ``precision``.
  /// - Complexity: O(1).
  public func precisionIndex(
    iou t: Int, recallPoint r: Int, category k: Int, area a: Int, maxDetections m: Int
  ) -> Int {
    let recallCount = parameters.recallThresholds.count
    let areaCount = parameters.areaRanges.count
    let maxCount = parameters.maxDetections.count
    precondition(
      t >= 0 && t < parameters.iouThresholds.count && r >= 0 && r < recallCount && k >= 0
        && k < categorySlots.count && a >= 0 && a < areaCount && m >= 0 && m < maxCount,
      "precision index out of range")
    return (((t * recallCount + r) * categorySlots.count + k) * areaCount + a) * maxCount + m
  }

  /// The flat index into ``recall``.
  /// - Complexity: O(1).
  public func recallIndex(iou t: Int, category k: Int, area a: Int, maxDetections m: Int) -> Int {
    let areaCount = parameters.areaRanges.count
    let maxCount = parameters.maxDetections.count
    precondition(
      t >= 0 && t < parameters.iouThresholds.count && k >= 0 && k < categorySlots.count
        && a >= 0 && a < areaCount && m >= 0 && m < maxCount,
      "recall index out of range")
    return ((t * categorySlots.count + k) * areaCount + a) * maxCount + m
  }
}
