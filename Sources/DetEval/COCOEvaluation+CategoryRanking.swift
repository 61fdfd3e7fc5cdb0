/// One row of the per-category table: a category's AP overall and at IoU 0.5 / 0.75, and AR.
public struct CategoryRanking: Hashable, Sendable {
  public var categoryID: Int64
  /// As ``CategoryMetrics/averagePrecision``: mean over IoU thresholds and recall points.
  public var averagePrecision: Double
  /// Mean precision over recall points at IoU 0.5; -1 when 0.5 is not evaluated or the
  /// category has no ground truth that counts.
  public var precisionAt50: Double
  /// The same at IoU 0.75.
  public var precisionAt75: Double
  public var averageRecall: Double
}

extension COCOEvaluation {
  /// The categories sorted by AP, highest first; categories whose AP is -1 (no ground truth
  /// that counts) last; equal APs in ascending category id order. At the area range labelled
  /// `areaLabel` and the largest maxDets, as ``categoryMetrics(areaLabel:)``.
  /// - Complexity: O(T·R·K + K log K).
  public func categoriesByAveragePrecision(areaLabel: String = "all") -> [CategoryRanking] {
    let rows = categoryMetrics(areaLabel: areaLabel).map { metrics in
      func at(_ iou: Double) -> Double {
        precisionRecallCurve(
          iouThreshold: iou, categoryID: metrics.categoryID, areaLabel: areaLabel, label: ""
        )?.averagePrecision ?? -1
      }
      return CategoryRanking(
        categoryID: metrics.categoryID, averagePrecision: metrics.averagePrecision,
        precisionAt50: at(0.5), precisionAt75: at(0.75), averageRecall: metrics.averageRecall)
    }
    return rows.sorted {
      if $0.averagePrecision != $1.averagePrecision {
        return $0.averagePrecision > $1.averagePrecision
      }
      return $0.categoryID < $1.categoryID
    }
  }
}
