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
    case .torchvision, .detectron2, .detectron, .mmdetection: return TieRule(tolerance: 0, isExact: true)
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

  /// Labels every anchor.
  ///
  /// - Complexity: O(N + M).
  func labels(
    anchorCount n: Int, ignored: [Bool]?, anchorMax: [Float], anchorArg: [Int32],
    groundTruthMax: [Float], lastTie: [Int32], firstTie: [Int32]
  ) -> [Int] {
    let high = matcher.highThreshold
    let low = matcher.lowThreshold
    var out = [Int](repeating: MatchLabel.background, count: n)
    if active.isEmpty {
      if let ignored { for a in 0..<n where ignored[a] { out[a] = MatchLabel.ignore } }
      return out
    }
    func isIgnored(_ a: Int) -> Bool { ignored?[a] ?? false }
    for a in 0..<n {
      if isIgnored(a) { out[a] = MatchLabel.ignore; continue }
      let m = anchorMax[a]
      out[a] = m >= high ? active[Int(anchorArg[a])] : (m >= low ? MatchLabel.ignore : MatchLabel.background)
    }
    guard matcher.allowsLowQualityMatches else { return out }
    let allTie = groundTruthMax.indices.filter { isAllTie(best: groundTruthMax[$0]) }
    switch matcher.policy {
    case .torchvision, .detectron2, .detectron, .detkit:
      for a in 0..<n where !isIgnored(a) && (!allTie.isEmpty || lastTie[a] >= 0) {
        out[a] = active[Int(anchorArg[a])]
      }
      if case .detectron = matcher.policy {
        for a in 0..<n where !isIgnored(a) && anchorMax[a] < low { out[a] = MatchLabel.background }
      }
    case .mmdetection(_, let assignsAllTies):
      if assignsAllTies {
        let last = allTie.last ?? -1
        for a in 0..<n where !isIgnored(a) {
          let t = Int(lastTie[a])
          if t > last { out[a] = active[t] } else if last >= 0 { out[a] = active[last] }
        }
      } else {
        let firstParticipant = (0..<n).first { !isIgnored($0) }
        for j in active.indices where isEligible(best: groundTruthMax[j]) {
          let anchor = isAllTie(best: groundTruthMax[j]) ? firstParticipant : (firstTie[j] >= 0 ? Int(firstTie[j]) : nil)
          if let anchor { out[anchor] = active[j] }
        }
      }
    }
    return out
  }

  /// The caller-indexed best IoU per ground-truth row (0 for skipped rows and for rows no
  /// anchor takes part in).
  func bestIoU(groundTruthCount: Int, groundTruthMax: [Float]) -> [Float] {
    var best = [Float](repeating: 0, count: groundTruthCount)
    for (j, row) in active.enumerated() { best[row] = max(groundTruthMax[j], 0) }
    return best
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
