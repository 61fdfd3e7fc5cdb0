import DetSupport

extension EvalGroups {
  /// pycocotools' `accumulate()`: precision `[T, R, K, A, M]` and recall `[T, K, A, M]`,
  /// -1 where a setting has no ground truth that counts. Categories run across cores;
  /// `steps`, when given, counts each category slot as it is filled.
  func accumulate(
    _ matches: EvalMatches, parameters: COCOEvalParameters, steps: WorkTally? = nil
  ) -> COCOEvaluation {
    let t = parameters.iouThresholds.count
    let r = parameters.recallThresholds.count
    let k = usesCategories ? categoryCount : 1
    let a = parameters.areaRanges.count
    let m = parameters.maxDetections.count
    var precision = [Double](repeating: -1, count: max(1, t * r * k * a * m))
    var recall = [Double](repeating: -1, count: max(1, t * k * a * m))
    let byCategory = CategoryLists(groups: self, matches: matches, slots: k, areaCount: a)
    precision.withUnsafeMutableBufferPointer { precisionOut in
      recall.withUnsafeMutableBufferPointer { recallOut in
        let output = AccumulateOutput(
          precision: SharedPointer(base: precisionOut.baseAddress!),
          recall: SharedPointer(base: recallOut.baseAddress!))
        forEachChunk(k, minimumChunk: 1) { categories in
          for category in categories {
            accumulateCategory(
              category, slots: k, matches: matches, lists: byCategory, parameters: parameters,
              output: output)
          }
          steps?.add(categories.count)
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
    _ k: Int, slots: Int, matches: EvalMatches, lists: CategoryLists,
    parameters: COCOEvalParameters, output: AccumulateOutput
  ) {
    let thresholdCount = parameters.iouThresholds.count
    let recallPoints = parameters.recallThresholds
    let recallCount = recallPoints.count
    let areaCount = parameters.areaRanges.count
    let maxDetections = parameters.maxDetections
    let maxCount = maxDetections.count

    // This category's kept detections of every image, in image order, then merged by score
    // (ties keep image order and per-image order: ascending kept index).
    var list = Array(lists.kept[lists.start[k]..<lists.start[k + 1]])
    sortByScoreDescending(&list, scores: matches.keptScores)
    let n = list.count
    let counts = Array(lists.counted[(k * areaCount)..<((k + 1) * areaCount)])
    let largestCount = counts.max() ?? 0
    if n == 0 && largestCount == 0 { return }

    // Scratch, taken once: codes in score order, ranks, per-threshold counters, the false
    // positives seen and the precision at each true positive (`[t * stride + j]` at the
    // (j + 1)-th), and the number of true positives at which recall reaches each point.
    var largestRank = 0
    for pos in 0..<n { largestRank = max(largestRank, Int(matches.keptRanks[Int(list[pos])])) }
    let stride = largestCount + 1
    let block = areaCount * thresholdCount
    let codes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, n * block))
    let rowKinds = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, n * areaCount))
    let ranks = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, n))
    let tpCount = UnsafeMutablePointer<Int>.allocate(capacity: thresholdCount)
    let fpCount = UnsafeMutablePointer<Int>.allocate(capacity: thresholdCount)
    let falseAtTrue = UnsafeMutablePointer<Int>.allocate(capacity: thresholdCount * stride)
    let tpPrecision = UnsafeMutablePointer<Double>.allocate(capacity: thresholdCount * stride)
    let firstReaching = UnsafeMutablePointer<Int>.allocate(capacity: recallCount)
    defer {
      codes.deallocate()
      rowKinds.deallocate()
      ranks.deallocate()
      tpCount.deallocate()
      fpCount.deallocate()
      falseAtTrue.deallocate()
      tpPrecision.deallocate()
      firstReaching.deallocate()
    }
    // One gather per detection of its whole (area, threshold) block, in score order.
    matches.keptRanks.withUnsafeBufferPointer { keptRanks in
      matches.codes.withUnsafeBufferPointer { allCodes in
        matches.rows.withUnsafeBufferPointer { allRows in
          for pos in 0..<n {
            let kept = Int(list[pos])
            ranks[pos] = keptRanks[kept]
            (codes + pos * block).update(from: allCodes.baseAddress! + kept * block, count: block)
            (rowKinds + pos * areaCount).update(
              from: allRows.baseAddress! + kept * areaCount, count: areaCount)
          }
        }
      }
    }

    do {
      for a in 0..<areaCount {
        let counted = counts[a]
        if counted == 0 { continue }
        let npig = Double(counted)
        // The fewest true positives whose recall `k / npig` reaches each point: recall only
        // grows at a true positive, so searchsorted(rc, point, 'left') lands on the
        // firstReaching-th true positive (on index 0 when that is 0).
        for (ri, point) in recallPoints.enumerated() {
          var reach = max(0, min(counted + 1, Int((point * npig).rounded(.up))))
          while reach > 0 && Double(reach - 1) / npig >= point { reach -= 1 }
          while reach <= counted && Double(reach) / npig < point { reach += 1 }
          firstReaching[ri] = reach
        }
        // A maxDets above every rank keeps every detection: its results are those of any
        // other such maxDets, computed once and copied.
        var everyRank: Int? = nil
        for m in maxDetections.indices.reversed() {
          let maxDet = maxDetections[m]
          if maxDet > largestRank, let source = everyRank {
            for t in 0..<thresholdCount {
              let recallBase = ((t * slots + k) * areaCount + a) * maxCount
              output.recall.base[recallBase + m] = output.recall.base[recallBase + source]
              for ri in 0..<recallCount {
                let base = (((t * recallCount + ri) * slots + k) * areaCount + a) * maxCount
                output.precision.base[base + m] = output.precision.base[base + source]
              }
            }
            continue
          }
          if maxDet > largestRank { everyRank = m }
          tpCount.initialize(repeating: 0, count: thresholdCount)
          fpCount.initialize(repeating: 0, count: thresholdCount)
          // False positives at every threshold, counted once and added to each threshold's.
          var falseEverywhere = 0
          // Ignored detections are left out: they repeat their predecessor's recall and
          // precision, which changes neither the envelope nor the index reaching a recall
          // point. Precision is only needed at true positives (between two, it falls): the
          // loop notes the false positives seen at each, the division comes after.
          for pos in 0..<n where Int(ranks[pos]) < maxDet {
            let kind = rowKinds[pos * areaCount + a]
            if kind == EvalMatches.falseRow {
              falseEverywhere &+= 1
              continue
            }
            if kind == EvalMatches.ignoredRow { continue }
            let row = codes + pos * block + a * thresholdCount
            for t in 0..<thresholdCount {
              let code = row[t]
              if code == EvalMatches.truePositive {
                let tp = tpCount[t] &+ 1
                tpCount[t] = tp
                falseAtTrue[t * stride + tp - 1] = fpCount[t] &+ falseEverywhere
              } else if code == EvalMatches.falsePositive {
                fpCount[t] &+= 1
              }
            }
          }
          for t in 0..<thresholdCount { fpCount[t] &+= falseEverywhere }
          for t in 0..<thresholdCount {
            let tps = tpCount[t]
            let detections = tps + fpCount[t]
            let recallSlot = ((t * slots + k) * areaCount + a) * maxCount + m
            output.recall.base[recallSlot] = detections > 0 ? Double(tps) / npig : 0
            // Precision at the j-th true positive, `tp / (tp + fp + eps)` as pycocotools
            // divides, then the envelope: made non-increasing from the right.
            let precisions = tpPrecision + t * stride
            let falses = falseAtTrue + t * stride
            for j in 0..<tps {
              precisions[j] = Double(j + 1) / (Double(falses[j] + j + 1) + Double.ulpOfOne)
            }
            if tps > 1 {
              for j in Swift.stride(from: tps - 1, to: 0, by: -1)
              where precisions[j] > precisions[j - 1] {
                precisions[j - 1] = precisions[j]
              }
            }
            // As in pycocotools, the first point past the end leaves it and every later
            // point at 0. Reaching 0 true positives is index 0, whose envelope is the
            // largest precision (0 before any true positive).
            var exhausted = detections == 0
            for ri in 0..<recallCount {
              let slot = (((t * recallCount + ri) * slots + k) * areaCount + a) * maxCount + m
              let reach = firstReaching[ri]
              if !exhausted && reach > tps { exhausted = true }
              output.precision.base[slot] =
                exhausted ? 0 : (reach == 0 ? (tps > 0 ? precisions[0] : 0) : precisions[reach - 1])
            }
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

/// Every category slot's kept detections (image order, then kept order) and its ground truth
/// that counts per area range, gathered in one sequential pass over the units instead of one
/// strided pass per category.
private struct CategoryLists: Sendable {
  /// `kept[start[k] ..< start[k + 1]]`: slot `k`'s kept detection indices.
  let start: [Int]
  let kept: [Int32]
  /// `counted[k * A + a]`: slot `k`'s ground truth that counts at area range `a`.
  let counted: [Int]

  init(groups: EvalGroups, matches: EvalMatches, slots: Int, areaCount: Int) {
    let units = groups.unitCount
    let categoryCount = groups.categoryCount
    let byCategory = groups.usesCategories
    var start = [Int](repeating: 0, count: slots + 1)
    var counted = [Int](repeating: 0, count: max(1, slots * areaCount))
    var kept = [Int32]()
    // Raw buffers: one pass over the units each, no per-element checks.
    matches.keptStart.withUnsafeBufferPointer { keptStart in
      matches.nonIgnored.withUnsafeBufferPointer { nonIgnored in
        start.withUnsafeMutableBufferPointer { start in
          counted.withUnsafeMutableBufferPointer { counted in
            var slot = 0
            for u in 0..<units {
              start[slot + 1] += keptStart[u + 1] - keptStart[u]
              for a in 0..<areaCount {
                counted[slot * areaCount + a] += Int(nonIgnored[u * areaCount + a])
              }
              if byCategory {
                slot += 1
                if slot == categoryCount { slot = 0 }
              }
            }
            for s in 0..<slots { start[s + 1] += start[s] }
          }
        }
      }
      var next = start
      kept = [Int32](repeating: 0, count: max(1, start[slots]))
      kept.withUnsafeMutableBufferPointer { kept in
        next.withUnsafeMutableBufferPointer { next in
          var slot = 0
          for u in 0..<units {
            var position = next[slot]
            for x in keptStart[u]..<keptStart[u + 1] {
              kept[position] = Int32(x)
              position += 1
            }
            next[slot] = position
            if byCategory {
              slot += 1
              if slot == categoryCount { slot = 0 }
            }
          }
        }
      }
    }
    self.start = start
    self.kept = kept
    self.counted = counted
  }
}
