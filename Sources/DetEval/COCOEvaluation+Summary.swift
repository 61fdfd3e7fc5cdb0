import Foundation

/// Which maxDets the summary's lines use.
public enum SummaryConvention: String, Sendable, CaseIterable {
  /// The chosen maxDets: AP lines and the last three AR-by-count/area lines use the largest
  /// maxDets; the first two AR lines use the smallest and the second (the only one, again,
  /// when a single maxDets is given). With `[1, 10, 100]` this equals pycocotools.
  case chosen
  /// pycocotools' `summarize()` as written: the first AP line always at maxDets 100 (-1 when
  /// 100 is not among the maxDets), the others at `maxDets[0]`, `maxDets[1]`, `maxDets[2]`.
  /// Where pycocotools raises `IndexError` (fewer than three maxDets) the stat is -1 and the
  /// line shows `maxDets= -1`.
  case pycocotools
}

/// One line of the summary: which slice of the arrays was averaged, and the mean.
public struct SummaryLine: Hashable, Sendable {
  /// Average precision (from `precision`) or average recall (from `recall`).
  public var isPrecision: Bool
  /// One IoU threshold, or `nil` for the mean over all thresholds.
  public var iouThreshold: Double?
  public var areaLabel: String
  /// The maxDets the line reads, or `nil` where pycocotools would fail (see
  /// ``SummaryConvention/pycocotools``).
  public var maxDetections: Int?
  /// The mean of the slice's entries above -1, or -1 when there are none.
  public var value: Double
}

/// The 12 numbers of pycocotools' `summarize()` for bbox, in its order, with their lines.
public struct COCOSummary: Sendable {
  public var lines: [SummaryLine]
  /// `stats[0...11]`: AP, AP50, AP75, AP small/medium/large, AR@1, AR@10, AR@100, AR
  /// small/medium/large (with the default maxDets).
  public var stats: [Double] { lines.map(\.value) }
}

/// Per-category average precision and recall.
public struct CategoryMetrics: Hashable, Sendable {
  public var categoryID: Int64
  /// Mean precision over IoU thresholds and recall points (entries above -1), or -1.
  public var averagePrecision: Double
  /// Mean recall over IoU thresholds (entries above -1), or -1.
  public var averageRecall: Double
}

extension COCOEvaluation {
  /// The 12 summary stats, computed as pycocotools' `_summarize` computes each: the slice of
  /// `precision` / `recall` for the IoU threshold (matched by exact equality, as `np.where`
  /// does, so `0.5` and `0.75` must be among the thresholds), the area label and the maxDets
  /// value; the mean of its entries above -1 in NumPy's pairwise summation order (bit-equal to
  /// `np.mean`), or -1 when none.
  /// - Complexity: O(T·R·K) per line.
  public func summary(_ convention: SummaryConvention = .chosen) -> COCOSummary {
    let maxDets = parameters.maxDetections
    let largest: Int?
    let first: Int?
    let second: Int?
    let headline: Int?
    switch convention {
    case .chosen:
      largest = maxDets.last
      first = maxDets.first
      second = maxDets.count > 1 ? maxDets[1] : maxDets.last
      headline = largest
    case .pycocotools:
      largest = maxDets.count > 2 ? maxDets[2] : nil
      first = maxDets.first
      second = maxDets.count > 1 ? maxDets[1] : nil
      headline = 100
    }
    let specs: [(Bool, Double?, String, Int?)] = [
      (true, nil, "all", headline),
      (true, 0.5, "all", largest),
      (true, 0.75, "all", largest),
      (true, nil, "small", largest),
      (true, nil, "medium", largest),
      (true, nil, "large", largest),
      (false, nil, "all", first),
      (false, nil, "all", second),
      (false, nil, "all", largest),
      (false, nil, "small", largest),
      (false, nil, "medium", largest),
      (false, nil, "large", largest),
    ]
    return COCOSummary(
      lines: specs.map { isPrecision, iou, area, maxDet in
        SummaryLine(
          isPrecision: isPrecision, iouThreshold: iou, areaLabel: area, maxDetections: maxDet,
          value: maxDet.map {
            summarize(
              isPrecision: isPrecision, iouThreshold: iou, areaLabel: area, maxDetections: $0)
          } ?? -1)
      })
  }

  /// One `_summarize(ap, iouThr, areaRng, maxDets)` of pycocotools.
  /// - Returns: the mean of the slice's entries above -1, or -1 when there are none (also
  ///   when the area labels and maxDets matches cannot be paired, where NumPy would raise).
  public func summarize(
    isPrecision: Bool, iouThreshold: Double?, areaLabel: String, maxDetections: Int
  ) -> Double {
    let thresholds = parameters.iouThresholds
    let tSelection = thresholds.indices.filter {
      iouThreshold == nil || thresholds[$0] == iouThreshold!
    }
    let aSelection = parameters.areaRanges.indices.filter {
      parameters.areaRanges[$0].label == areaLabel
    }
    let mSelection = parameters.maxDetections.indices.filter {
      parameters.maxDetections[$0] == maxDetections
    }
    // `s[..., aind, mind]` pairs the two index lists as NumPy broadcasts them.
    let pairs: [(Int, Int)]
    if aSelection.count == mSelection.count {
      pairs = Array(zip(aSelection, mSelection))
    } else if aSelection.count == 1 {
      pairs = mSelection.map { (aSelection[0], $0) }
    } else if mSelection.count == 1 {
      pairs = aSelection.map { ($0, mSelection[0]) }
    } else {
      return -1
    }
    var values: [Double] = []
    let slots = categorySlots.count
    let recallCount = parameters.recallThresholds.count
    let areaCount = parameters.areaRanges.count
    let maxCount = parameters.maxDetections.count
    values.reserveCapacity(
      tSelection.count * (isPrecision ? recallCount : 1) * slots * pairs.count)
    for t in tSelection {
      if isPrecision {
        // precisionIndex(iou:recallPoint:category:area:maxDetections:), inlined: the indices
        // come from the parameters' own ranges.
        precision.withUnsafeBufferPointer { precision in
          for r in 0..<recallCount {
            for k in 0..<slots {
              let base = ((t * recallCount + r) * slots + k) * areaCount
              for (a, m) in pairs {
                let value = precision[(base + a) * maxCount + m]
                if value > -1 { values.append(value) }
              }
            }
          }
        }
      } else {
        for k in 0..<slots {
          for (a, m) in pairs {
            let value = recall[recallIndex(iou: t, category: k, area: a, maxDetections: m)]
            if value > -1 { values.append(value) }
          }
        }
      }
    }
    return numpyMean(values) ?? -1
  }

  /// AP and AR per category slot at one area range (the first labelled `areaLabel`, default
  /// `all`) and the largest maxDets, averaged as the summary averages (entries above -1,
  /// NumPy's summation order); -1 for a category without ground truth that counts.
  /// - Returns: one entry per slot, in slot order (ascending category id).
  /// - Complexity: O(T·R·K).
  public func categoryMetrics(areaLabel: String = "all") -> [CategoryMetrics] {
    guard let a = parameters.areaRanges.firstIndex(where: { $0.label == areaLabel }) else {
      return categorySlots.map {
        CategoryMetrics(categoryID: $0, averagePrecision: -1, averageRecall: -1)
      }
    }
    let m = parameters.maxDetections.count - 1
    return categorySlots.enumerated().map { k, id in
      var precisions: [Double] = []
      var recalls: [Double] = []
      for t in parameters.iouThresholds.indices {
        for r in parameters.recallThresholds.indices {
          let value = precision[
            precisionIndex(iou: t, recallPoint: r, category: k, area: a, maxDetections: m)]
          if value > -1 { precisions.append(value) }
        }
        let value = recall[recallIndex(iou: t, category: k, area: a, maxDetections: m)]
        if value > -1 { recalls.append(value) }
      }
      return CategoryMetrics(
        categoryID: id, averagePrecision: numpyMean(precisions) ?? -1,
        averageRecall: numpyMean(recalls) ?? -1)
    }
  }
}

extension COCOSummary {
  /// The 12 lines exactly as pycocotools prints them, e.g.
  /// ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505`.
  /// - Parameter iouThresholds: the evaluated thresholds (their first and last name the
  ///   all-threshold lines).
  public func text(iouThresholds: [Double]) -> String {
    var out = ""
    let range =
      iouThresholds.isEmpty
      ? "" : String(format: "%0.2f:%0.2f", iouThresholds.first!, iouThresholds.last!)
    for line in lines {
      let title = line.isPrecision ? "Average Precision" : "Average Recall"
      let kind = line.isPrecision ? "(AP)" : "(AR)"
      let iou = line.iouThreshold.map { String(format: "%0.2f", $0) } ?? range
      let maxDet = line.maxDetections ?? -1
      out += " \(padRight(title, 18)) \(kind) @[ IoU=\(padRight(iou, 9)) | "
      out += "area=\(padLeft(line.areaLabel, 6)) | maxDets=\(padLeft(String(maxDet), 3)) ] = "
      out += String(format: "%0.3f", line.value) + "\n"
    }
    return out
  }

  private func padRight(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }

  private func padLeft(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
  }
}
