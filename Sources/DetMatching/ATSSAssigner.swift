import DetGeometry
import DetSupport
import Foundation

/// Adaptive training sample selection (Zhang et al. 2020), mmdetection's
/// `ATSSAssigner` exactly, plus an optional fallback for ground truth left without a
/// positive.
///
/// For each ground truth: on every level take the `k = min(topK, anchors in level)`
/// anchors whose centres are nearest its centre (`Float` Euclidean distance between
/// `((x1 + x2) / 2, (y1 + y2) / 2)` points; equal distances go to the lower anchor
/// index, where `torch.topk` leaves the choice unspecified); the threshold is
/// `mean + std` of those candidates' IoUs (std unbiased, N - 1; a single candidate gives
/// NaN and so no positive, as in torch); a candidate is positive if its IoU is at least
/// the threshold and its centre lies inside the box by more than 0.01 px on every side.
/// An anchor positive for several ground truths takes the one with the highest IoU (the
/// first on ties). Everything else is ``MatchLabel/background``; anchors in an ignore
/// region (IoF above ``ignoreIoFThreshold``) are ``MatchLabel/ignore`` unless they turn
/// positive, and are the farthest candidates. With no ground truth every anchor is
/// background.
///
/// The fallback (``fallsBackToBestCandidate``, off in ``mmdetection``): a ground truth
/// that ends with no positive anchor (sfzhang15/ATSS#90: `mean + std` can exceed every
/// candidate's IoU) takes its highest-IoU candidate (lowest index on ties) if that IoU is
/// positive and the anchor is not already positive for another ground truth.
///
/// The mean is taken in `Double` and rounded to `Float`; torch sums in `Float`, so when
/// every candidate has the same non-zero IoU the two thresholds can differ by an ulp.
public struct ATSSAssigner: Sendable, Hashable {
  /// Candidates per level and ground truth. mmdetection config: 9.
  public var topK: Int
  /// Whether a ground truth with no positive takes its best candidate.
  public var fallsBackToBestCandidate: Bool
  /// What to do with a degenerate ground-truth box.
  public var degenerateGroundTruth: DegenerateGroundTruth
  /// IoF above which an anchor in an ignore region is ignored; `nil` turns regions off.
  public var ignoreIoFThreshold: Float?

  /// mmdetection's `ATSSAssigner(topk=9)`, no fallback.
  public static let mmdetection = ATSSAssigner(topK: 9, fallsBackToBestCandidate: false)

  /// Creates an assigner; detkit's default keeps the fallback on.
  ///
  /// - Precondition: `topK >= 1`; a positive finite IoF threshold.
  public init(
    topK: Int = 9, fallsBackToBestCandidate: Bool = true,
    degenerateGroundTruth: DegenerateGroundTruth = .throwError, ignoreIoFThreshold: Float? = nil
  ) {
    precondition(topK >= 1, "topK must be >= 1, got \(topK)")
    if let t = ignoreIoFThreshold {
      precondition(t > 0 && t.isFinite, "ignoreIoFThreshold must be positive and finite, got \(t)")
    }
    self.topK = topK
    self.fallsBackToBestCandidate = fallsBackToBestCandidate
    self.degenerateGroundTruth = degenerateGroundTruth
    self.ignoreIoFThreshold = ignoreIoFThreshold
  }

  /// Assigns ground truth to anchors grouped in levels.
  ///
  /// - Parameters:
  ///   - groundTruth: M boxes, xyxy pixels.
  ///   - anchors: N boxes, finite, level after level.
  ///   - levelCounts: anchors per level, summing to N (mmdetection's `num_level_priors`).
  ///   - ignoreRegions: used only when ``ignoreIoFThreshold`` is set.
  /// - Returns: per-anchor labels and statistics (best IoU over all anchors taking part).
  /// - Throws: ``MatchingError`` for degenerate ground truth (unless skipped) or
  ///   non-finite anchors or regions.
  /// - Precondition: `levelCounts` are non-negative and sum to N.
  /// - Complexity: O(M * N log topK) time, parallel over ground truths; O(N + M * levels * topK) memory.
  public func assign(
    groundTruth: BoxArray, anchors: BoxArray, levelCounts: [Int],
    ignoreRegions: BoxArray = BoxArray()
  ) throws -> MatchResult {
    precondition(
      levelCounts.allSatisfy { $0 >= 0 } && levelCounts.reduce(0, +) == anchors.count,
      "levelCounts must sum to the anchor count \(anchors.count), got \(levelCounts)")
    let policy = IoUMatcher(
      high: 1, low: 0, allowsLowQualityMatches: false, degenerateGroundTruth: degenerateGroundTruth)
    let (active, skipped) = try policy.partition(groundTruth: groundTruth)
    try requireFinite(anchors: anchors)
    try requireFinite(ignoreRegions: ignoreRegions)
    let n = anchors.count
    let m = active.count
    let gt = policy.compact(groundTruth, rows: active)
    guard m > 0, n > 0 else {
      let labels = [Int](repeating: MatchLabel.background, count: n)
      return MatchResult(
        matches: labels,
        statistics: MatchStatistics(
          matches: labels, groundTruthCount: groundTruth.count, skipped: skipped,
          bestIoU: [Float](repeating: 0, count: groundTruth.count)))
    }
    let ignored = ignoreIoFThreshold.flatMap {
      ignoredAnchors(anchors: anchors, regions: ignoreRegions, threshold: $0)
    }
    let levelStarts = levelCounts.reduce(into: [0]) { $0.append($0.last! + $1) }

    // Per ground truth: its candidates (anchor, IoU, positive?) and best IoU overall.
    struct Candidates {
      var anchors: [Int] = []
      var ious: [Float] = []
      var positive: [Bool] = []
      var best: Float = -1
    }
    var perGT = [Candidates](repeating: Candidates(), count: m)
    let topK = self.topK
    perGT.withUnsafeMutableBufferPointer { out in
      nonisolated(unsafe) let out = out
      anchors.withUnsafeBufferPointer { a in
        nonisolated(unsafe) let a = a
        forEachChunk(ChunkPlan(count: m, chunkSize: 1)) { j, _ in
          let (gx1, gy1, gx2, gy2) = (gt[4 * j], gt[4 * j + 1], gt[4 * j + 2], gt[4 * j + 3])
          let gcx = (gx1 + gx2) / 2
          let gcy = (gy1 + gy2) / 2
          var result = Candidates()
          for level in 0..<levelCounts.count {
            let k = min(topK, levelCounts[level])
            var nearest = NearestK(capacity: k)
            for i in levelStarts[level]..<levelStarts[level + 1] {
              let isIgnored = ignored?[i] ?? false
              let d: Float
              if isIgnored {
                d = 100_000_000
              } else {
                let dx = (a[4 * i] + a[4 * i + 2]) / 2 - gcx
                let dy = (a[4 * i + 1] + a[4 * i + 3]) / 2 - gcy
                d = (dx * dx + dy * dy).squareRoot()
                let v = pairIoU(
                  Box(x1: gx1, y1: gy1, x2: gx2, y2: gy2),
                  Box(x1: a[4 * i], y1: a[4 * i + 1], x2: a[4 * i + 2], y2: a[4 * i + 3]))
                result.best = max(result.best, v)
              }
              nearest.insert(distance: d, index: i)
            }
            result.anchors += nearest.indices
          }
          result.ious = result.anchors.map { i in
            pairIoU(
              Box(x1: gx1, y1: gy1, x2: gx2, y2: gy2),
              Box(x1: a[4 * i], y1: a[4 * i + 1], x2: a[4 * i + 2], y2: a[4 * i + 3]))
          }
          let threshold = Self.threshold(result.ious)
          result.positive = zip(result.anchors, result.ious).map { i, v in
            let cx = (a[4 * i] + a[4 * i + 2]) / 2
            let cy = (a[4 * i + 1] + a[4 * i + 3]) / 2
            let inside = min(min(cx - gx1, cy - gy1), min(gx2 - cx, gy2 - cy)) > 0.01
            return v >= threshold && inside
          }
          out[j] = result
        }
      }
    }

    var labels = [Int](repeating: MatchLabel.background, count: n)
    if let ignored { for i in 0..<n where ignored[i] { labels[i] = MatchLabel.ignore } }
    var bestPositive = [Float](repeating: -.infinity, count: n)
    var owner = [Int](repeating: -1, count: n)
    for j in 0..<m {
      let c = perGT[j]
      for (slot, i) in c.anchors.enumerated()
      where c.positive[slot] && c.ious[slot] > bestPositive[i] {
        bestPositive[i] = c.ious[slot]
        owner[i] = j
      }
    }
    if fallsBackToBestCandidate {
      let served = Set(owner.filter { $0 >= 0 })
      for j in 0..<m where !served.contains(j) {
        let c = perGT[j]
        var pick: (iou: Float, anchor: Int)? = nil
        for (slot, i) in c.anchors.enumerated() where c.ious[slot] > 0 {
          if pick == nil || c.ious[slot] > pick!.iou
            || (c.ious[slot] == pick!.iou && i < pick!.anchor)
          {
            pick = (c.ious[slot], i)
          }
        }
        if let pick, owner[pick.anchor] < 0 { owner[pick.anchor] = j }
      }
    }
    for i in 0..<n where owner[i] >= 0 { labels[i] = active[owner[i]] }
    var best = [Float](repeating: 0, count: groundTruth.count)
    for j in 0..<m { best[active[j]] = max(perGT[j].best, 0) }
    return MatchResult(
      matches: labels,
      statistics: MatchStatistics(
        matches: labels, groundTruthCount: groundTruth.count, skipped: skipped, bestIoU: best))
  }

  /// Assigns ground truth to the anchors of a generated grid, its levels in order.
  ///
  /// - Complexity: as ``assign(groundTruth:anchors:levelCounts:ignoreRegions:)``.
  public func assign(groundTruth: BoxArray, grid: AnchorGrid, ignoreRegions: BoxArray = BoxArray())
    throws -> MatchResult
  {
    try assign(
      groundTruth: groundTruth, anchors: grid.boxes, levelCounts: grid.levels.map(\.range.count),
      ignoreRegions: ignoreRegions)
  }

  /// `mean + std` (unbiased) of the candidate IoUs, each rounded to `Float` as torch
  /// returns them; NaN for fewer than two candidates.
  static func threshold(_ values: [Float]) -> Float {
    let count = Double(values.count)
    let mean = values.reduce(0.0) { $0 + Double($1) } / count
    let variance =
      values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / (count - 1)
    return Float(mean) + Float(variance.squareRoot())
  }
}

/// The `capacity` smallest `(distance, index)` pairs seen, ordered by distance then index.
struct NearestK {
  let capacity: Int
  private(set) var items: [(distance: Float, index: Int)] = []

  init(capacity: Int) {
    self.capacity = capacity
    items.reserveCapacity(capacity + 1)
  }

  /// Keeps the pair if it is among the `capacity` smallest so far; later equal
  /// distances lose to earlier (lower-index) ones.
  ///
  /// - Complexity: O(capacity) worst case, O(1) when the pair is not kept.
  @inline(__always)
  mutating func insert(distance: Float, index: Int) {
    if items.count == capacity {
      guard capacity > 0, distance < items[capacity - 1].distance else { return }
      items.removeLast()
    }
    var slot = items.count
    while slot > 0 && items[slot - 1].distance > distance { slot -= 1 }
    items.insert((distance, index), at: slot)
  }

  var indices: [Int] { items.map(\.index) }
}
