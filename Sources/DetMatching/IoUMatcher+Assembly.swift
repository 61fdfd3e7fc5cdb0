import DetSupport

/// The policy step shared by the dense, matrix and sparse paths.
///
/// A path computes, for the anchors taking part (not ignored):
/// - `anchorMax[a]`, `anchorArg[a]`: the anchor's best IoU and the first active ground
///   truth reaching it (exact wherever the policy reads it);
/// - `groundTruthMax[j]`: each active ground truth's best IoU, or -1 when no anchor takes
///   part;
/// - `lastTie[a]`: the largest active `j` the anchor ties for (see ``TieRule``), over the
///   ground truths that are eligible and not "all-tie" (best IoU exactly 0), or -1;
/// - `firstTie[j]`: the smallest anchor tying for `j` (same ground truths), or -1;
/// and this step turns them into labels.
struct MatchAssembly {
  let matcher: IoUMatcher
  /// Active ground truth (not skipped) -> caller's row.
  let active: [Int]

  /// How a path decides that anchor IoU `v` ties with a ground truth's best IoU `best`.
  var tieRule: TieRule {
    switch matcher.policy {
    case .detkit(let tolerance): return TieRule(tolerance: tolerance, isExact: false)
    case .torchvision, .detectron2, .detectron, .mmdetection:
      return TieRule(tolerance: 0, isExact: true)
    }
  }

  /// Whether ground truth with best IoU `best` produces low-quality matches at all.
  func isEligible(best: Float) -> Bool {
    guard matcher.allowsLowQualityMatches else { return false }
    switch matcher.policy {
    case .torchvision, .detectron2, .detectron: return best >= 0
    case .mmdetection(let minPositiveIoU, _): return best >= minPositiveIoU
    case .detkit: return best > 0
    }
  }

  /// Whether a ground truth ties with every participating anchor: eligible with a best
  /// IoU of exactly 0 under an exact rule (every IoU is then 0).
  func isAllTie(best: Float) -> Bool {
    tieRule.isExact && best == 0 && isEligible(best: best)
  }

  /// Whether the policy gives a tied anchor its own best ground truth (so paths must make
  /// `anchorArg` exact for tied anchors).
  var tiesTakeOwnArgmax: Bool {
    if case .mmdetection = matcher.policy { return false }
    return true
  }

  /// The per-anchor labelling rule for the given ground-truth bests.
  func rule(groundTruthMax: [Float]) -> LabelRule {
    let lowQuality = matcher.allowsLowQualityMatches
    let allTie = groundTruthMax.indices.filter { isAllTie(best: groundTruthMax[$0]) }
    var rule = LabelRule(
      high: matcher.highThreshold, low: matcher.lowThreshold,
      ownArgmaxTies: lowQuality && tiesTakeOwnArgmax, everyAnchorTies: !allTie.isEmpty,
      resetsBelowLow: false, mmAllTies: false, lastAllTie: Int32(allTie.last ?? -1))
    if case .detectron = matcher.policy { rule.resetsBelowLow = lowQuality }
    if case .mmdetection(_, let all) = matcher.policy { rule.mmAllTies = lowQuality && all }
    return rule
  }

  /// Labels every anchor and counts the labels in the same pass.
  ///
  /// - Complexity: O(N + M * chunks), parallel over anchors.
  func labels(
    anchorCount n: Int, ignored: [Bool]?, anchorMax: [Float], anchorArg: [Int32],
    groundTruthMax: [Float], lastTie: [Int32], firstTie: [Int32]
  ) -> Labels {
    // Every anchor has an argmax (>= 0), so `common` only labels them all when there is
    // no ground truth.
    labelsInOnePass(
      anchorCount: n, rule: rule(groundTruthMax: groundTruthMax),
      common: Int32(MatchLabel.background),
      ignored: ignored, anchorMax: anchorMax, anchorArg: anchorArg, groundTruthMax: groundTruthMax,
      lastTie: lastTie, firstTie: firstTie)
  }

  /// Labels from the anchors a sparse pass touched; every other anchor has best IoU 0,
  /// argmax 0 and no tie, so it takes one common label.
  ///
  /// `anchorMax`, `anchorArg` and `lastTie` are read only at `touched` anchors.
  ///
  /// - Complexity: O(N) for the fill plus O(touched + M).
  func labels(
    anchorCount n: Int, touched: [[Int]], ignored: [Bool]?, anchorMax: [Float], anchorArg: [Int32],
    groundTruthMax: [Float], lastTie: [Int32], firstTie: [Int32]
  ) -> Labels {
    let m = active.count
    let rule = self.rule(groundTruthMax: groundTruthMax)
    let common = m == 0 ? Int32(MatchLabel.background) : rule.code(0, 0, -1)
    let commonLabel = common >= 0 ? active[Int(common)] : Int(common)
    let touchedCount = touched.reduce(0) { $0 + $1.count }
    if touchedCount > n / 16 {
      // Many anchors touched: one sequential pass beats scattered access. Untouched anchors
      // (anchorArg < 0) take the common label.
      return labelsInOnePass(
        anchorCount: n, rule: rule, common: common, ignored: ignored, anchorMax: anchorMax,
        anchorArg: anchorArg,
        groundTruthMax: groundTruthMax, lastTie: lastTie, firstTie: firstTie)
    }
    var out = [Int](repeating: commonLabel, count: n)
    var matched = [Bool](repeating: false, count: m)
    var positives = 0
    var negatives = 0
    for list in touched {
      for a in list {
        let j = rule.code(anchorMax[a], anchorArg[a], lastTie[a])
        if j >= 0 {
          out[a] = active[Int(j)]
          matched[Int(j)] = true
          positives += 1
        } else {
          out[a] = Int(j)
          negatives += j == -1 ? 1 : 0
        }
      }
    }
    var ignoredCount = 0
    if let ignored {
      for a in 0..<n where ignored[a] {
        out[a] = MatchLabel.ignore
        ignoredCount += 1
      }
    }
    let untouched = n - touchedCount - ignoredCount
    if untouched > 0 {
      if common >= 0 {
        positives += untouched
        matched[Int(common)] = true
      } else if common == -1 {
        negatives += untouched
      }
    }
    var labels = Labels(
      labels: out, positives: positives, negatives: negatives, matchedActive: matched)
    assignFirstTies(&labels, ignored: ignored, groundTruthMax: groundTruthMax, firstTie: firstTie)
    return labels
  }

  /// One parallel pass over every anchor that labels it and counts the labels: ignored
  /// anchors take `ignore`; anchors with `anchorArg < 0` (never touched by a sparse pass),
  /// or every anchor when there is no ground truth, take `common`; the others take
  /// `rule`'s label.
  ///
  /// - Complexity: O(N + M * chunks), parallel over anchors.
  private func labelsInOnePass(
    anchorCount n: Int, rule: LabelRule, common: Int32, ignored: [Bool]?, anchorMax: [Float],
    anchorArg: [Int32],
    groundTruthMax: [Float], lastTie: [Int32], firstTie: [Int32]
  ) -> Labels {
    let m = active.count
    let mask = ignored ?? []
    let chunks = ChunkPlan(count: n, minimumChunk: 32768).chunkCount
    var counts = [Int](repeating: 0, count: 2 * chunks)
    var hits = [Bool](repeating: false, count: chunks * m)
    let out = [Int](unsafeUninitializedCapacity: n) { buffer, initialized in
      initialized = n
      nonisolated(unsafe) let out = buffer
      anchorMax.withUnsafeBufferPointer { amax in
        anchorArg.withUnsafeBufferPointer { aarg in
          lastTie.withUnsafeBufferPointer { tie in
            mask.withUnsafeBufferPointer { mask in
              active.withUnsafeBufferPointer { active in
                counts.withUnsafeMutableBufferPointer { counts in
                  hits.withUnsafeMutableBufferPointer { hits in
                    nonisolated(unsafe) let (amax, aarg, tie, mask, active, counts, hits) = (
                      amax, aarg, tie, mask, active, counts, hits
                    )
                    let hasMask = !mask.isEmpty
                    forEachChunk(ChunkPlan(count: n, minimumChunk: 32768)) { c, range in
                      var positives = 0
                      var negatives = 0
                      let hit = hits.baseAddress.map { $0 + c * m }
                      for a in range {
                        if hasMask && mask[a] {
                          out[a] = MatchLabel.ignore
                          continue
                        }
                        let arg = m == 0 ? -1 : aarg[a]
                        let j = arg < 0 ? common : rule.code(amax[a], arg, tie[a])
                        if j >= 0 {
                          out[a] = active[Int(j)]
                          hit![Int(j)] = true
                          positives += 1
                        } else {
                          out[a] = Int(j)
                          negatives += j == -1 ? 1 : 0
                        }
                      }
                      counts[2 * c] = positives
                      counts[2 * c + 1] = negatives
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    var labels = Labels(
      labels: out,
      positives: stride(from: 0, to: counts.count, by: 2).reduce(0) { $0 + counts[$1] },
      negatives: stride(from: 1, to: counts.count, by: 2).reduce(0) { $0 + counts[$1] },
      matchedActive: (0..<m).map { j in (0..<chunks).contains { hits[$0 * m + j] } })
    assignFirstTies(&labels, ignored: ignored, groundTruthMax: groundTruthMax, firstTie: firstTie)
    return labels
  }

  /// mmdetection's `gt_max_assign_all=False` step: each eligible ground truth, in order,
  /// takes its first tied anchor, later ones overwriting.
  func assignFirstTies(
    _ labels: inout Labels, ignored: [Bool]?, groundTruthMax: [Float], firstTie: [Int32]
  ) {
    guard matcher.allowsLowQualityMatches, case .mmdetection(_, false) = matcher.policy else {
      return
    }
    let m = active.count
    let firstParticipant = labels.labels.indices.first { !(ignored?[$0] ?? false) }
    var changed = false
    for j in 0..<m where isEligible(best: groundTruthMax[j]) {
      guard
        let anchor = isAllTie(best: groundTruthMax[j])
          ? firstParticipant : (firstTie[j] >= 0 ? Int(firstTie[j]) : nil)
      else { continue }
      let old = labels.labels[anchor]
      if old < 0 {
        labels.positives += 1
        if old == MatchLabel.background { labels.negatives -= 1 }
      }
      labels.labels[anchor] = active[j]
      changed = true
    }
    guard changed else { return }
    // An overwrite can take an anchor away from a ground truth: recount.
    var rowToActive = [Int: Int]()
    for (j, row) in active.enumerated() { rowToActive[row] = j }
    labels.matchedActive = [Bool](repeating: false, count: m)
    for label in labels.labels where label >= 0 { labels.matchedActive[rowToActive[label]!] = true }
  }

  /// The outcome of ``labels(anchorCount:ignored:anchorMax:anchorArg:groundTruthMax:lastTie:firstTie:)``.
  struct Labels {
    var labels: [Int]
    var positives: Int
    var negatives: Int
    /// Per active ground truth: whether some anchor is matched to it.
    var matchedActive: [Bool]
  }

  /// The public result from labels and each active ground truth's best IoU.
  func result(_ labels: Labels, groundTruthCount: Int, skipped: [Int], groundTruthMax: [Float])
    -> MatchResult
  {
    let unmatched = active.indices.filter { !labels.matchedActive[$0] }.map { active[$0] }
    return MatchResult(
      matches: labels.labels,
      statistics: MatchStatistics(
        positives: labels.positives, negatives: labels.negatives,
        ignored: labels.labels.count - labels.positives - labels.negatives,
        unmatchedGroundTruth: unmatched, skippedGroundTruth: skipped,
        bestIoU: bestIoU(groundTruthCount: groundTruthCount, groundTruthMax: groundTruthMax)))
  }

  /// The caller-indexed best IoU per ground-truth row (0 for skipped rows and for rows no
  /// anchor takes part in).
  func bestIoU(groundTruthCount: Int, groundTruthMax: [Float]) -> [Float] {
    var best = [Float](repeating: 0, count: groundTruthCount)
    for (j, row) in active.enumerated() { best[row] = max(groundTruthMax[j], 0) }
    return best
  }
}

/// The label of one anchor from its best IoU `v`, argmax `arg` (active index) and
/// largest tied ground truth `tie` (-1 for none): an active index, -1 or -2.
struct LabelRule {
  let high: Float
  let low: Float
  let ownArgmaxTies: Bool
  let everyAnchorTies: Bool
  var resetsBelowLow: Bool
  var mmAllTies: Bool
  let lastAllTie: Int32

  @inline(__always)
  func code(_ v: Float, _ arg: Int32, _ tie: Int32) -> Int32 {
    if ownArgmaxTies && (everyAnchorTies || tie >= 0) && !(resetsBelowLow && v < low) { return arg }
    var j: Int32 = v >= high ? arg : (v >= low ? -2 : -1)
    if mmAllTies {
      if tie > lastAllTie { j = tie } else if lastAllTie >= 0 { j = lastAllTie }
    }
    return j
  }
}

/// When an anchor's IoU `v` with a ground truth counts as a tie with that ground truth's
/// best IoU `best`: `v == best` (exact policies) or `v > 0 && v >= best - tolerance`.
struct TieRule {
  let tolerance: Float
  let isExact: Bool

  @inline(__always)
  func ties(_ v: Float, best: Float) -> Bool {
    isExact ? v == best : (v > 0 && v >= best - tolerance)
  }
}
