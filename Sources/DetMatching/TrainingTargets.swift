import DetGeometry

/// Per-anchor training targets of one image: what a detection head's losses compare with.
///
/// - `matches[i]`: the matcher's label (ground-truth row `>= 0`, ``MatchLabel/background``,
///   ``MatchLabel/ignore``).
/// - `labels[i]`: the class of the matched box (`classes[matches[i]]`, a contiguous 0-based
///   index) for a positive, else the match label itself (`-1` background, `-2` ignore).
/// - `boxTargets[4i..<4i+4]`: `coder.encode(groundTruth[matches[i]], relativeTo: anchors[i])`
///   for a positive, zeros otherwise.
public struct TrainingTargets: Sendable, Hashable {
  /// Per anchor: matched row, -1 or -2.
  public var matches: [Int]
  /// Per anchor: class index, -1 or -2.
  public var labels: [Int]
  /// Flat N x 4 encoded deltas, zero where not positive.
  public var boxTargets: [Float]
  /// The match's counts.
  public var statistics: MatchStatistics

  /// Builds targets from a match.
  ///
  /// - Parameters:
  ///   - match: the result of matching `groundTruth` to `anchors`.
  ///   - classes: per ground-truth row, its class index `>= 0`.
  ///   - groundTruth: M boxes, xyxy, as matched.
  ///   - anchors: the N anchors, as matched.
  ///   - coder: the box transform (torchvision `BoxCoder(weights=(1, 1, 1, 1))` for
  ///     RetinaNet and the RPN).
  /// - Precondition: `classes.count == groundTruth.count`, `match.matches.count == anchors.count`.
  /// - Complexity: O(N).
  public init(
    match: MatchResult, classes: [Int], groundTruth: BoxArray, anchors: BoxArray, coder: BoxCoder
  ) {
    precondition(
      classes.count == groundTruth.count,
      "need one class per ground truth: \(classes.count) vs \(groundTruth.count)")
    precondition(
      match.matches.count == anchors.count,
      "need one match per anchor: \(match.matches.count) vs \(anchors.count)")
    let n = anchors.count
    matches = match.matches
    statistics = match.statistics
    labels = match.matches.map { $0 >= 0 ? classes[$0] : $0 }
    var positives: [Int] = []
    positives.reserveCapacity(match.statistics.positives)
    for i in 0..<n where match.matches[i] >= 0 { positives.append(i) }
    var targets = [Float](repeating: 0, count: 4 * n)
    if !positives.isEmpty {
      let deltas = coder.encode(
        BoxArray(positives.map { groundTruth[match.matches[$0]] }),
        relativeTo: BoxArray(positives.map { anchors[$0] }))
      for (k, i) in positives.enumerated() {
        for c in 0..<4 { targets[4 * i + c] = deltas[4 * k + c] }
      }
    }
    boxTargets = targets
  }
}
