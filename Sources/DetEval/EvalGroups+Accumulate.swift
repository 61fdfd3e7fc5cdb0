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
    // Per threshold: true positives so far, false positives so far, and the precision at each
    // true positive (`tpPrecision[t * (npig + 1) + j]` at the (j + 1)-th).
    var tpCount = [Int](repeating: 0, count: thresholdCount)
    var fpCount = [Int](repeating: 0, count: thresholdCount)
    var detectionCount = [Int](repeating: 0, count: thresholdCount)
    var tpPrecision: [Double] = []
    var firstReaching = [Int](repeating: 0, count: recallPoints.count)

    for a in 0..<areaCount {
      var counted = 0
      for u in units { counted += Int(matches.nonIgnored[u * areaCount + a]) }
      if counted == 0 { continue }
      let npig = Double(counted)
      for pos in 0..<n {
        let base = (Int(list[pos]) * areaCount + a) * thresholdCount
        for t in 0..<thresholdCount { codes[pos * thresholdCount + t] = matches.codes[base + t] }
      }
      // The fewest true positives whose recall `k / npig` reaches each point: recall only
      // grows at a true positive, so searchsorted(rc, point, 'left') lands on the
      // firstReaching-th true positive (on index 0 when that is 0).
      for (ri, point) in recallPoints.enumerated() {
        var k = max(0, min(counted + 1, Int((point * npig).rounded(.up))))
        while k > 0 && Double(k - 1) / npig >= point { k -= 1 }
        while k <= counted && Double(k) / npig < point { k += 1 }
        firstReaching[ri] = k
      }
      let stride = counted + 1
      if tpPrecision.count < thresholdCount * stride {
        tpPrecision = [Double](repeating: 0, count: thresholdCount * stride)
      }
      for (m, maxDet) in maxDetections.enumerated() {
        for t in 0..<thresholdCount {
          tpCount[t] = 0
          fpCount[t] = 0
          detectionCount[t] = 0
        }
        // Ignored detections are left out: they repeat their predecessor's recall and
        // precision, which changes neither the envelope nor the index reaching a recall
        // point. Precision is only needed at true positives: between two, it falls.
        for pos in 0..<n where Int(ranks[pos]) < maxDet {
          for t in 0..<thresholdCount {
            let code = codes[pos * thresholdCount + t]
            if code == EvalMatches.ignored { continue }
            detectionCount[t] += 1
            if code == EvalMatches.truePositive {
              let tp = tpCount[t] + 1
              tpCount[t] = tp
              tpPrecision[t * stride + tp - 1] =
                Double(tp) / (Double(fpCount[t] + tp) + Double.ulpOfOne)
            } else {
              fpCount[t] += 1
            }
          }
        }
        for t in 0..<thresholdCount {
          let tps = tpCount[t]
          let recallSlot = ((t * slots + k) * areaCount + a) * maxCount + m
          output.recall.base[recallSlot] = detectionCount[t] > 0 ? Double(tps) / npig : 0
          // The envelope: precision made non-increasing from the right.
          let row = t * stride
          if tps > 1 {
            for j in Swift.stride(from: tps - 1, to: 0, by: -1)
            where tpPrecision[row + j] > tpPrecision[row + j - 1] {
              tpPrecision[row + j - 1] = tpPrecision[row + j]
            }
          }
          // As in pycocotools, the first point past the end leaves it and every later
          // point at 0.
          var exhausted = false
          for ri in recallPoints.indices {
            let slot =
              (((t * recallPoints.count + ri) * slots + k) * areaCount + a) * maxCount + m
            let reach = firstReaching[ri]
            if !exhausted {
              exhausted = detectionCount[t] == 0 || reach > tps
            }
            // Reaching 0 true positives is index 0, whose envelope is the largest precision
            // (0 before any true positive).
            output.precision.base[slot] =
              exhausted
              ? 0 : (reach == 0 ? (tps > 0 ? tpPrecision[row] : 0) : tpPrecision[row + reach - 1])
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
