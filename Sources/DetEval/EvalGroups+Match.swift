import DetSupport
import Foundation

/// pycocotools' `evaluateImg` results for every unit, area range and IoU threshold, kept as
/// one byte per (kept detection, area, threshold).
struct EvalMatches: Sendable {
  /// What a kept detection counts as at one area range and threshold.
  static let ignored: UInt8 = 0
  static let truePositive: UInt8 = 1
  static let falsePositive: UInt8 = 2
  /// What a kept detection's codes at one area range are: some of each, or one code at
  /// every threshold (false, or ignored), which accumulation takes without reading them.
  static let mixedRow: UInt8 = 0
  static let falseRow: UInt8 = 1
  static let ignoredRow: UInt8 = 2

  /// `keptStart[u] ..< keptStart[u + 1]`: unit `u`'s kept detections, best score first.
  let keptStart: [Int]
  let keptScores: [Double]
  /// Position of a kept detection in its unit's score order (0 = best).
  let keptRanks: [Int32]
  /// `codes[(kept * A + a) * T + t]`.
  let codes: [UInt8]
  /// `rows[kept * A + a]`: ``mixedRow``, ``falseRow`` or ``ignoredRow``.
  let rows: [UInt8]
  /// `nonIgnored[u * A + a]`: ground truth of unit `u` that counts at area range `a`.
  let nonIgnored: [Int32]
}

extension EvalGroups {
  /// Runs the per-unit evaluation (sort, IoU, greedy matching) across cores.
  /// `steps`, when given, counts each unit as it is matched.
  func match(parameters: COCOEvalParameters, steps: WorkTally? = nil) -> EvalMatches {
    let units = unitCount
    let areaCount = parameters.areaRanges.count
    let thresholdCount = parameters.iouThresholds.count
    let maxKept = self.maxKept

    var keptStart = [Int](repeating: 0, count: units + 1)
    for u in 0..<units {
      let keys = keys(ofUnit: u)
      let n = detectionStart[keys.upperBound] - detectionStart[keys.lowerBound]
      keptStart[u + 1] = keptStart[u] + min(n, maxKept)
    }
    let keptTotal = keptStart[units]
    // At least one element each, so every buffer has a base address (the extra slot is unused).
    var keptScores = [Double](repeating: 0, count: max(1, keptTotal))
    var keptRanks = [Int32](repeating: 0, count: max(1, keptTotal))
    var codes = [UInt8](repeating: 0, count: max(1, keptTotal * areaCount * thresholdCount))
    var nonIgnored = [Int32](repeating: 0, count: max(1, units * areaCount))
    var rows = [UInt8](repeating: 0, count: max(1, keptTotal * areaCount))

    let thresholds = parameters.iouThresholds.map { min($0, 1 - 1e-10) }
    let lowers = parameters.areaRanges.map(\.lower)
    let uppers = parameters.areaRanges.map(\.upper)

    keptScores.withUnsafeMutableBufferPointer { scoresOut in
      keptRanks.withUnsafeMutableBufferPointer { ranksOut in
        codes.withUnsafeMutableBufferPointer { codesOut in
          nonIgnored.withUnsafeMutableBufferPointer { nonIgnoredOut in
            rows.withUnsafeMutableBufferPointer { rowsOut in
              let output = MatchOutput(
                scores: SharedPointer(base: scoresOut.baseAddress!),
                ranks: SharedPointer(base: ranksOut.baseAddress!),
                codes: SharedPointer(base: codesOut.baseAddress!),
                nonIgnored: SharedPointer(base: nonIgnoredOut.baseAddress!),
                rows: SharedPointer(base: rowsOut.baseAddress!))
              forEachChunk(units, minimumChunk: 64) { range in
                matchUnits(
                  range, keptStart: keptStart, thresholds: thresholds, lowers: lowers,
                  uppers: uppers, output: output)
                steps?.add(range.count)
              }
            }
          }
        }
      }
    }
    return EvalMatches(
      keptStart: keptStart, keptScores: keptScores, keptRanks: keptRanks, codes: codes,
      rows: rows, nonIgnored: nonIgnored)
  }

  /// Evaluates the units of `range`, writing only their slots of `output`.
  private func matchUnits(
    _ range: Range<Int>, keptStart: [Int], thresholds: [Double], lowers: [Double],
    uppers: [Double], output: MatchOutput
  ) {
    let areaCount = lowers.count
    let thresholdCount = thresholds.count
    // Scratch sized once for the largest unit of the chunk.
    var largestG = 0
    var largestN = 0
    var largestIoU = 0
    for u in range {
      let keys = keys(ofUnit: u)
      let g = groundTruthStart[keys.upperBound] - groundTruthStart[keys.lowerBound]
      let n = detectionStart[keys.upperBound] - detectionStart[keys.lowerBound]
      largestG = max(largestG, g)
      largestN = max(largestN, n)
      largestIoU = max(largestIoU, g * min(n, maxKept))
    }
    let iou = UnsafeMutablePointer<Double>.allocate(capacity: max(1, largestIoU))
    let gtOrder = UnsafeMutablePointer<Int>.allocate(capacity: max(1, largestG))
    let taken = UnsafeMutablePointer<Bool>.allocate(capacity: max(1, largestG))
    let keptBoxes = UnsafeMutablePointer<Double>.allocate(
      capacity: max(1, 4 * min(largestN, maxKept)))
    // Per kept detection: its largest IoU (+infinity when one is NaN, which matches).
    let bestIoU = UnsafeMutablePointer<Double>.allocate(capacity: max(1, min(largestN, maxKept)))
    // The detections some threshold can match (best IoU reaching the smallest), in order.
    let candidates = UnsafeMutablePointer<Int>.allocate(capacity: max(1, min(largestN, maxKept)))
    let lowestThreshold = thresholds.min() ?? 0
    defer {
      candidates.deallocate()
      bestIoU.deallocate()
      iou.deallocate()
      gtOrder.deallocate()
      taken.deallocate()
      keptBoxes.deallocate()
    }
    var order = [Int32]()
    order.reserveCapacity(largestN)

    groundTruthBoxes.withUnsafeBufferPointer { gtBoxesAll in
      groundTruthAreas.withUnsafeBufferPointer { gtAreasAll in
        groundTruthIsCrowd.withUnsafeBufferPointer { gtCrowdAll in
          groundTruthHasZeroID.withUnsafeBufferPointer { gtZeroAll in
            detectionBoxes.withUnsafeBufferPointer { dtBoxesAll in
              detectionScores.withUnsafeBufferPointer { dtScoresAll in
                for u in range {
                  let keys = keys(ofUnit: u)
                  let g0 = groundTruthStart[keys.lowerBound]
                  let gCount = groundTruthStart[keys.upperBound] - g0
                  let d0 = detectionStart[keys.lowerBound]
                  let n = detectionStart[keys.upperBound] - d0
                  if gCount == 0 && n == 0 { continue }
                  let gtBoxes = gtBoxesAll.baseAddress! + 4 * g0
                  let gtAreas = gtAreasAll.baseAddress! + g0
                  let gtCrowd = gtCrowdAll.baseAddress! + g0
                  let gtZero = gtZeroAll.baseAddress! + g0

                  // Detections by score, best first, ties in file order; keep maxKept.
                  order.removeAll(keepingCapacity: true)
                  for j in 0..<n { order.append(Int32(j)) }
                  if n > 1 { sortByScoreDescending(&order, scores: dtScoresAll.baseAddress! + d0) }
                  let dCount = min(n, maxKept)
                  let kept0 = keptStart[u]
                  for r in 0..<dCount {
                    let j = d0 + Int(order[r])
                    output.scores.base[kept0 + r] = dtScoresAll[j]
                    output.ranks.base[kept0 + r] = Int32(r)
                    for c in 0..<4 { keptBoxes[4 * r + c] = dtBoxesAll[4 * j + c] }
                  }

                  if gCount == 0 {
                    // No ground truth: at every threshold each detection stays unmatched, so
                    // it is false, or ignored when its area lies outside the range (what the
                    // general path below computes, without its per-threshold loops).
                    for a in 0..<areaCount {
                      for d in 0..<dCount {
                        let area = keptBoxes[4 * d + 2] * keptBoxes[4 * d + 3]
                        let code =
                          area < lowers[a] || area > uppers[a]
                          ? EvalMatches.ignored : EvalMatches.falsePositive
                        (output.codes.base + ((kept0 + d) * areaCount + a) * thresholdCount)
                          .update(repeating: code, count: thresholdCount)
                        output.rows.base[(kept0 + d) * areaCount + a] =
                          code == EvalMatches.ignored
                          ? EvalMatches.ignoredRow : EvalMatches.falseRow
                      }
                    }
                    continue
                  }

                  // IoU as maskApi's bbIou: row per detection, column per ground truth.
                  for d in 0..<dCount {
                    let dx = keptBoxes[4 * d]
                    let dy = keptBoxes[4 * d + 1]
                    let dw = keptBoxes[4 * d + 2]
                    let dh = keptBoxes[4 * d + 3]
                    let da = dw * dh
                    let row = iou + d * gCount
                    for g in 0..<gCount {
                      let gx = gtBoxes[4 * g]
                      let gy = gtBoxes[4 * g + 1]
                      let gw = gtBoxes[4 * g + 2]
                      let gh = gtBoxes[4 * g + 3]
                      row[g] = 0
                      let w = fmin(dw + dx, gw + gx) - fmax(dx, gx)
                      if w <= 0 { continue }
                      let h = fmin(dh + dy, gh + gy) - fmax(dy, gy)
                      if h <= 0 { continue }
                      let inter = w * h
                      let union = gtCrowd[g] ? da : da + gw * gh - inter
                      row[g] = inter / union
                    }
                    var top = -Double.infinity
                    for g in 0..<gCount {
                      let value = row[g]
                      if value.isNaN {
                        top = .infinity
                        break
                      }
                      if value > top { top = value }
                    }
                    bestIoU[d] = top
                  }
                  var candidateCount = 0
                  for d in 0..<dCount where bestIoU[d] >= lowestThreshold {
                    candidates[candidateCount] = d
                    candidateCount += 1
                  }

                  for a in 0..<areaCount {
                    let lower = lowers[a]
                    let upper = uppers[a]
                    // Ground truth order: counted first, ignored last, file order within.
                    var counted = 0
                    for g in 0..<gCount
                    where !(gtCrowd[g] || gtAreas[g] < lower || gtAreas[g] > upper) {
                      gtOrder[counted] = g
                      counted += 1
                    }
                    var next = counted
                    for g in 0..<gCount where gtCrowd[g] || gtAreas[g] < lower || gtAreas[g] > upper
                    {
                      gtOrder[next] = g
                      next += 1
                    }
                    output.nonIgnored.base[u * areaCount + a] = Int32(counted)

                    // A detection no threshold can match is unmatched at every one: false,
                    // or ignored outside the area range; it takes no ground truth, so the
                    // others' matching goes on without it.
                    var nextCandidate = 0
                    for d in 0..<dCount {
                      if nextCandidate < candidateCount && candidates[nextCandidate] == d {
                        nextCandidate += 1
                        continue
                      }
                      let area = keptBoxes[4 * d + 2] * keptBoxes[4 * d + 3]
                      let outside = area < lower || area > upper
                      (output.codes.base + ((kept0 + d) * areaCount + a) * thresholdCount)
                        .update(
                          repeating: outside ? EvalMatches.ignored : EvalMatches.falsePositive,
                          count: thresholdCount)
                      output.rows.base[(kept0 + d) * areaCount + a] =
                        outside ? EvalMatches.ignoredRow : EvalMatches.falseRow
                    }

                    for t in 0..<thresholdCount {
                      for p in 0..<gCount { taken[p] = false }
                      let threshold = thresholds[t]
                      for c in 0..<candidateCount {
                        let d = candidates[c]
                        let row = iou + d * gCount
                        var best = threshold
                        var m = -1
                        // No IoU reaches the threshold: no candidate (what the scan finds).
                        let scanned = bestIoU[d] >= threshold ? gCount : 0
                        for p in 0..<scanned {
                          let g = gtOrder[p]
                          if taken[p] && !gtCrowd[g] { continue }
                          if m > -1 && m < counted && p >= counted { break }
                          let value = row[g]
                          if value < best { continue }
                          best = value
                          m = p
                        }
                        let area = keptBoxes[4 * d + 2] * keptBoxes[4 * d + 3]
                        let outside = area < lower || area > upper
                        let code: UInt8
                        if m == -1 {
                          code = outside ? EvalMatches.ignored : EvalMatches.falsePositive
                        } else {
                          taken[m] = true
                          let matchIgnored = m >= counted
                          if !gtZero[gtOrder[m]] {
                            code = matchIgnored ? EvalMatches.ignored : EvalMatches.truePositive
                          } else {
                            // pycocotools stores the match as the ground truth's id: 0 reads
                            // as "unmatched".
                            code =
                              matchIgnored || outside
                              ? EvalMatches.ignored : EvalMatches.falsePositive
                          }
                        }
                        output.codes.base[((kept0 + d) * areaCount + a) * thresholdCount + t] =
                          code
                      }
                    }
                    // Each candidate's row at this area range, for accumulation.
                    for c in 0..<candidateCount where thresholdCount > 0 {
                      let d = candidates[c]
                      let codes = output.codes.base + ((kept0 + d) * areaCount + a) * thresholdCount
                      let first = codes[0]
                      var kind =
                        first == EvalMatches.ignored ? EvalMatches.ignoredRow : EvalMatches.falseRow
                      if first == EvalMatches.truePositive { kind = EvalMatches.mixedRow }
                      for t in 1..<thresholdCount where codes[t] != first {
                        kind = EvalMatches.mixedRow
                        break
                      }
                      output.rows.base[(kept0 + d) * areaCount + a] = kind
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

/// Where ``EvalGroups/match(parameters:)``'s chunks write.
private struct MatchOutput: Sendable {
  let scores: SharedPointer<Double>
  let ranks: SharedPointer<Int32>
  let codes: SharedPointer<UInt8>
  let nonIgnored: SharedPointer<Int32>
  let rows: SharedPointer<UInt8>
}
