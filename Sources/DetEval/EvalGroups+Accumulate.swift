extension EvalGroups {
  /// pycocotools' `accumulate()`: precision `[T, R, K, A, M]` and recall `[T, K, A, M]`,
  /// -1 where a setting has no ground truth that counts. Categories run across cores.
  func accumulate(_ matches: EvalMatches, parameters: COCOEvalParameters) -> COCOEvaluation {
    let t = parameters.iouThresholds.count
    let r = parameters.recallThresholds.count
    let k = usesCategories ? categoryCount : 1
    let a = parameters.areaRanges.count
    let m = parameters.maxDetections.count
    var precision = [Double](repeating: -1, count: max(1, t * r * k * a * m))
    var recall = [Double](repeating: -1, count: max(1, t * k * a * m))
    precision.withUnsafeMutableBufferPointer { precisionOut in
      recall.withUnsafeMutableBufferPointer { recallOut in
        let output = AccumulateOutput(
          precision: SharedPointer(base: precisionOut.baseAddress!),
          recall: SharedPointer(base: recallOut.baseAddress!))
        forEachChunk(k, minimumChunk: 1) { categories in
          for category in categories {
            accumulateCategory(
              category, slots: k, matches: matches, parameters: parameters, output: output)
          }
        }
      }
    }
    if t * r * k * a * m == 0 { precision = [] }
    if t * k * a * m == 0 { recall = [] }
    let slots = usesCategories ? (parameters.categoryIDs ?? []) : [-1]
    return COCOEvaluation(
      parameters: parameters, categorySlots: slots, precision: precision, recall: recall)
  }

  /// Fills category slot `k` (every slot is written by one call only).
  private func accumulateCategory(
    _ k: Int, slots: Int, matches: EvalMatches, parameters: COCOEvalParameters,
    output: AccumulateOutput
  ) {
    let thresholdCount = parameters.iouThresholds.count
    let recallPoints = parameters.recallThresholds
    let areaCount = parameters.areaRanges.count
    let maxDetections = parameters.maxDetections
    let maxCount = maxDetections.count

    // This category's kept detections of every image, in image order, then merged by score
    // (ties keep image order and per-image order: ascending kept index).
    var units: [Int] = []
    units.reserveCapacity(imageCount)
    for i in 0..<imageCount { units.append(usesCategories ? i * categoryCount + k : i) }
    var list: [Int32] = []
    for u in units {
      for x in matches.keptStart[u]..<matches.keptStart[u + 1] { list.append(Int32(x)) }
    }
    matches.keptScores.withUnsafeBufferPointer {
      sortByScoreDescending(&list, scores: $0.baseAddress!)
    }
    let n = list.count
    let ranks = list.map { matches.keptRanks[Int($0)] }
    var codes = [UInt8](repeating: 0, count: max(1, n * thresholdCount))
    var rc = [Double](repeating: 0, count: max(1, n))
    var pr = [Double](repeating: 0, count: max(1, n))

    for a in 0..<areaCount {
      var counted = 0
      for u in units { counted += Int(matches.nonIgnored[u * areaCount + a]) }
      if counted == 0 { continue }
      let npig = Double(counted)
      for pos in 0..<n {
        let base = (Int(list[pos]) * areaCount + a) * thresholdCount
        for t in 0..<thresholdCount { codes[pos * thresholdCount + t] = matches.codes[base + t] }
      }
      for (m, maxDet) in maxDetections.enumerated() {
        for t in 0..<thresholdCount {
          var count = 0
          var tp = 0
          var fp = 0
          // Ignored detections are left out: they repeat their predecessor's recall and
          // precision, which changes neither the envelope nor the first index reaching a
          // recall point.
          for pos in 0..<n where Int(ranks[pos]) < maxDet {
            let code = codes[pos * thresholdCount + t]
            if code == EvalMatches.ignored { continue }
            if code == EvalMatches.truePositive { tp += 1 } else { fp += 1 }
            rc[count] = Double(tp) / npig
            pr[count] = Double(tp) / (Double(fp + tp) + Double.ulpOfOne)
            count += 1
          }
          let recallSlot = ((t * slots + k) * areaCount + a) * maxCount + m
          output.recall.base[recallSlot] = count > 0 ? rc[count - 1] : 0
          if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) where pr[i] > pr[i - 1] {
              pr[i - 1] = pr[i]
            }
          }
          // searchsorted(rc, points, 'left'); as in pycocotools, the first point past the
          // end leaves it and every later point at 0.
          var index = 0
          var exhausted = false
          for (ri, point) in recallPoints.enumerated() {
            let slot =
              (((t * recallPoints.count + ri) * slots + k) * areaCount + a) * maxCount + m
            if !exhausted {
              if ri > 0 && point < recallPoints[ri - 1] { index = 0 }
              while index < count && rc[index] < point { index += 1 }
              exhausted = index >= count
            }
            output.precision.base[slot] = exhausted ? 0 : pr[index]
          }
        }
      }
    }
  }
}

/// Where ``EvalGroups/accumulate(_:parameters:)``'s chunks write.
private struct AccumulateOutput: Sendable {
  let precision: SharedPointer<Double>
  let recall: SharedPointer<Double>
}
