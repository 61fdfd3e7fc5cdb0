import DetGeometry
import Foundation

/// Per-anchor scratch arrays for sparse matching, reused from image to image.
///
/// The sparse matcher needs three arrays of one entry per anchor (best IoU, best ground
/// truth, last tie). Allocating and clearing them for every image costs O(anchors) per
/// image, far more than the matching itself on a dataset of small images with few boxes;
/// a pool hands out arrays that are already clear (only the entries an image touched are
/// reset afterwards). Safe to share between threads: each caller takes its own set, so a
/// pool holds at most one set per thread that ever used it at once.
///
/// - Complexity: memory 12 bytes per anchor of the largest grid seen, per set.
package final class MatchScratchPool: @unchecked Sendable {
  /// One caller's arrays. Invariant while pooled: `anchorArg` is -1 everywhere.
  struct Arrays {
    var anchorMax: [Float] = []
    var anchorArg: [Int32] = []
    var lastTie: [Int32] = []

    /// Grows every array to at least `n` entries (`anchorArg` with -1).
    mutating func reserve(_ n: Int) {
      guard anchorArg.count < n else { return }
      anchorMax = [Float](repeating: 0, count: n)
      anchorArg = [Int32](repeating: -1, count: n)
      lastTie = [Int32](repeating: -1, count: n)
    }
  }

  // The lock guards `free` only; arrays taken out belong to their caller alone.
  private let lock = NSLock()
  private var free: [Arrays] = []

  /// An empty pool.
  package init() {}

  /// Runs `body` with a set of arrays of at least `n` entries whose `anchorArg` is -1
  /// everywhere; `body` must leave it so (reset what it set) before returning.
  func withArrays<R>(count n: Int, _ body: (inout Arrays) throws -> R) rethrows -> R {
    lock.lock()
    var arrays = free.popLast() ?? Arrays()
    lock.unlock()
    arrays.reserve(n)
    defer {
      lock.lock()
      free.append(arrays)
      lock.unlock()
    }
    return try body(&arrays)
  }
}

/// What ``IoUMatcher/positiveCounts(groundTruth:in:scratch:)`` gives: per ground-truth row
/// and level, how many anchors are matched to it, with the rows' best IoUs.
package struct PositiveCounts: Sendable, Hashable {
  /// Levels of the grid.
  package var levels: Int
  /// `counts[row * levels + l]`: anchors of level `l` whose label is `row` (0 for skipped
  /// rows).
  package var counts: [Int]
  /// As ``MatchStatistics/bestIoU``.
  package var bestIoU: [Float]
  /// As ``MatchStatistics/skippedGroundTruth``.
  package var skipped: [Int]
}

extension IoUMatcher {
  /// The number of anchors per level that ``match(groundTruth:in:ignoreRegions:)`` labels
  /// with each ground-truth row, and the rows' best IoUs, without labelling every anchor.
  ///
  /// The sparse passes touch only the anchors overlapping some ground truth; every other
  /// anchor has best IoU 0 and takes one common label (background, unless a ground truth
  /// with best IoU 0 makes every anchor tie under an exact policy), so it is counted per
  /// level in one step. The result equals counting the labels of the full match.
  ///
  /// Runs on the caller's thread (for callers that process images in parallel).
  ///
  /// - Parameters:
  ///   - groundTruth: M boxes, xyxy pixels.
  ///   - index: the anchors.
  ///   - scratch: per-anchor arrays reused between calls.
  /// - Returns: the counts, or `nil` where this path does not apply and the caller must
  ///   count a full match: an index that is not grid-aligned, ignore regions on
  ///   (``ignoreIoFThreshold``), or mmdetection's first-tie rule with low-quality matches
  ///   (which relabels single anchors after the fact).
  /// - Throws: ``MatchingError`` for a degenerate ground truth (unless skipped).
  /// - Complexity: O(M * types + overlapping pairs + levels * M) time, nothing per anchor
  ///   beyond the first use of `scratch` on a larger grid.
  package func positiveCounts(
    groundTruth: BoxArray, in index: GridAnchorIndex, scratch: MatchScratchPool
  ) throws -> PositiveCounts? {
    guard let grids = index.grids, ignoreIoFThreshold == nil else { return nil }
    if allowsLowQualityMatches, case .mmdetection(_, false) = policy { return nil }
    let (active, skipped) = try partition(groundTruth: groundTruth)
    let n = index.anchors.count
    let levels = grids.count
    let assembly = MatchAssembly(matcher: self, active: active)
    let run = SparseMatch(
      grids: grids, groundTruth: compact(groundTruth, rows: active), anchorCount: n,
      ignored: nil, assembly: assembly, parallel: false)
    var counts = [Int](repeating: 0, count: groundTruth.count * levels)
    let best = scratch.withArrays(count: n) { arrays in
      let folded = run.fold(
        anchorMax: &arrays.anchorMax, anchorArg: &arrays.anchorArg, lastTie: &arrays.lastTie)
      // As MatchAssembly.labels(anchorCount:touched:...) with no ignore mask.
      let rule = assembly.rule(groundTruthMax: folded.best)
      let common = active.isEmpty ? Int32(MatchLabel.background) : rule.code(0, 0, -1)
      var untouched = grids.map { $0.rows * $0.columns * $0.types }
      arrays.anchorMax.withUnsafeBufferPointer { amax in
        arrays.lastTie.withUnsafeBufferPointer { tie in
          arrays.anchorArg.withUnsafeMutableBufferPointer { aarg in
            counts.withUnsafeMutableBufferPointer { counts in
              for (i, list) in folded.touched.enumerated() {
                let l = run.items[i].level
                untouched[l] -= list.count
                for a in list {
                  let j = rule.code(amax[a], aarg[a], tie[a])
                  if j >= 0 { counts[active[Int(j)] * levels + l] += 1 }
                  aarg[a] = -1
                }
              }
            }
          }
        }
      }
      if common >= 0 {
        for l in 0..<levels { counts[active[Int(common)] * levels + l] += untouched[l] }
      }
      return folded.best
    }
    return PositiveCounts(
      levels: levels, counts: counts,
      bestIoU: assembly.bestIoU(groundTruthCount: groundTruth.count, groundTruthMax: best),
      skipped: skipped)
  }
}
