import DetSupport

/// The outcome of matching one image: a label per anchor and summary statistics.
public struct MatchResult: Sendable, Hashable {
  /// Per anchor: the matched ground-truth row (`>= 0`, an index into the caller's
  /// ground-truth array), ``MatchLabel/background`` or ``MatchLabel/ignore``.
  public var matches: [Int]
  /// Counts and per-ground-truth figures.
  public var statistics: MatchStatistics

  /// Creates a result.
  public init(matches: [Int], statistics: MatchStatistics) {
    self.matches = matches
    self.statistics = statistics
  }
}

/// Summary figures of one match.
public struct MatchStatistics: Sendable, Hashable {
  /// Anchors matched to a ground truth.
  public var positives: Int
  /// Anchors labelled ``MatchLabel/background``.
  public var negatives: Int
  /// Anchors labelled ``MatchLabel/ignore`` (between thresholds or in an ignore region).
  public var ignored: Int
  /// Ground-truth rows (not skipped) that no anchor is matched to, ascending.
  public var unmatchedGroundTruth: [Int]
  /// Ground-truth rows left out because they were degenerate, ascending.
  public var skippedGroundTruth: [Int]
  /// Per ground-truth row, its best IoU over the anchors that take part in matching
  /// (0 for a skipped row or when every anchor is ignored).
  public var bestIoU: [Float]

  /// Creates statistics.
  public init(
    positives: Int, negatives: Int, ignored: Int, unmatchedGroundTruth: [Int],
    skippedGroundTruth: [Int], bestIoU: [Float]
  ) {
    self.positives = positives
    self.negatives = negatives
    self.ignored = ignored
    self.unmatchedGroundTruth = unmatchedGroundTruth
    self.skippedGroundTruth = skippedGroundTruth
    self.bestIoU = bestIoU
  }

  /// Counts the labels of `matches` against `groundTruthCount` rows.
  ///
  /// - Complexity: O(N + M).
  init(matches: [Int], groundTruthCount: Int, skipped: [Int], bestIoU: [Float]) {
    let chunks = ChunkPlan(count: matches.count, minimumChunk: 32768).chunkCount
    var counts = [Int](repeating: 0, count: 2 * chunks)
    var hits = [Bool](repeating: false, count: chunks * groundTruthCount)
    matches.withUnsafeBufferPointer { labels in
      hits.withUnsafeMutableBufferPointer { hits in
        counts.withUnsafeMutableBufferPointer { counts in
          nonisolated(unsafe) let (labels, hits, counts) = (labels, hits, counts)
          forEachChunk(ChunkPlan(count: labels.count, minimumChunk: 32768)) { c, range in
            let hit = hits.baseAddress! + c * groundTruthCount
            var positives = 0
            var negatives = 0
            for i in range {
              let m = labels[i]
              if m >= 0 { hit[m] = true }
              positives &+= m >= 0 ? 1 : 0
              negatives &+= m == MatchLabel.background ? 1 : 0
            }
            counts[2 * c] = positives
            counts[2 * c + 1] = negatives
          }
        }
      }
    }
    let positives = stride(from: 0, to: counts.count, by: 2).reduce(0) { $0 + counts[$1] }
    let negatives = stride(from: 1, to: counts.count, by: 2).reduce(0) { $0 + counts[$1] }
    let ignored = matches.count - positives - negatives
    let hit = (0..<groundTruthCount).map { j in
      (0..<chunks).contains { hits[$0 * groundTruthCount + j] }
    }
    let skippedSet = Set(skipped)
    self.init(
      positives: positives, negatives: negatives, ignored: ignored,
      unmatchedGroundTruth: (0..<groundTruthCount).filter { !hit[$0] && !skippedSet.contains($0) },
      skippedGroundTruth: skipped, bestIoU: bestIoU)
  }
}
