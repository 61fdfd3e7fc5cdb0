/// Precision sampled at the recall points for one IoU threshold: one category's curve, or the
/// mean over categories (what the AP of that threshold averages).
public struct PrecisionRecallCurve: Hashable, Sendable {
  /// What the curve shows, e.g. `all categories @ IoU 0.50` or `person @ IoU 0.50`.
  public var label: String
  public var iouThreshold: Double
  /// The recall points (pycocotools' `recThrs`), ascending.
  public var recall: [Double]
  /// Precision at each recall point, in `[0, 1]`; 0 past the largest recall reached.
  public var precision: [Double]
  /// The mean of ``precision``: the AP at this threshold (and category, if one).
  public var averagePrecision: Double
}

extension COCOEvaluation {
  /// The precision–recall curve at IoU threshold `iouThreshold` (matched by exact equality,
  /// as pycocotools' `summarize` matches it), the area range labelled `areaLabel` (the first
  /// one with that label) and the largest maxDets.
  ///
  /// With `categoryID` it is that category's `precision[t, :, k, a, m]`; without, at each
  /// recall point the mean over category slots of the entries above -1 (NumPy's summation
  /// order), so the curve's mean is the summary's AP at that threshold.
  /// - Returns: `nil` when the threshold, area label or category is not evaluated, or when no
  ///   category has ground truth that counts there (every entry -1).
  /// - Complexity: O(R·K).
  public func precisionRecallCurve(
    iouThreshold: Double, categoryID: Int64? = nil, areaLabel: String = "all", label: String
  ) -> PrecisionRecallCurve? {
    guard let t = parameters.iouThresholds.firstIndex(of: iouThreshold),
      let a = parameters.areaRanges.firstIndex(where: { $0.label == areaLabel }),
      !parameters.maxDetections.isEmpty
    else { return nil }
    let m = parameters.maxDetections.count - 1
    let slots: [Int]
    if let categoryID {
      guard let k = categorySlots.firstIndex(of: categoryID) else { return nil }
      slots = [k]
    } else {
      slots = Array(categorySlots.indices)
    }
    var curve: [Double] = []
    curve.reserveCapacity(parameters.recallThresholds.count)
    var values: [Double] = []
    for r in parameters.recallThresholds.indices {
      values.removeAll(keepingCapacity: true)
      for k in slots {
        let value = precision[
          precisionIndex(iou: t, recallPoint: r, category: k, area: a, maxDetections: m)]
        if value > -1 { values.append(value) }
      }
      guard let mean = numpyMean(values) else { return nil }
      curve.append(mean)
    }
    return PrecisionRecallCurve(
      label: label, iouThreshold: iouThreshold, recall: parameters.recallThresholds,
      precision: curve, averagePrecision: numpyMean(curve) ?? -1)
  }
}
