import DetGeometry
import DetMatching
import DetSupport

/// How well an anchor configuration suits a set of boxes under the matcher that will train
/// on it: the score ``AnchorSearch`` maximises.
///
/// For every non-degenerate ground-truth box `j` of every image, with the image's anchors
/// on its canvas and the matcher's thresholds but **without** the low-quality rescue
/// (`allowsLowQualityMatches = false`; crowd boxes take no part):
/// - `p_j` = anchors the matcher assigns to `j` (IoU >= high, `j` their best box);
/// - `b_j` = the best IoU of `j` over all anchors.
///
/// Then, over the `n` scored boxes:
/// - **primary** ``coveredShare`` = `#{j : p_j >= 1} / n`;
/// - **second** ``meanBestIoU`` = `Σ b_j / n`;
/// - **third** ``positiveSpread`` = the coefficient of variation of the `p_j`,
///   `sqrt(mean(p²) - mean(p)²) / mean(p)` (0 when `mean(p) = 0`): lower is a more even
///   spread of positives across boxes.
///
/// Scores compare lexicographically (``isBetter(than:)``): more covered boxes first, then
/// a higher mean best IoU, then a lower spread. Sums accumulate in `Double`, image by image
/// in the set's order, so a score is the same bit for bit for any thread count.
public struct AnchorObjective: Sendable, Hashable {
  /// Boxes scored (degenerate boxes are left out: see ``skipped``).
  public var boxes: Int = 0
  /// Degenerate boxes (zero or negative width or height), not scored.
  public var skipped: Int = 0
  /// Boxes with at least one positive anchor without the low-quality rescue.
  public var covered: Int = 0
  /// `Σ b_j`.
  public var bestIoUSum: Double = 0
  /// `Σ p_j`.
  public var positivesSum: Double = 0
  /// `Σ p_j²`.
  public var positivesSquareSum: Double = 0

  /// An empty score (no boxes).
  public init() {}

  /// The primary objective: share of scored boxes with a positive anchor (0 for no boxes).
  public var coveredShare: Double { boxes == 0 ? 0 : Double(covered) / Double(boxes) }
  /// Mean best anchor IoU over scored boxes (0 for no boxes).
  public var meanBestIoU: Double { boxes == 0 ? 0 : bestIoUSum / Double(boxes) }
  /// Mean positives per scored box (0 for no boxes).
  public var meanPositives: Double { boxes == 0 ? 0 : positivesSum / Double(boxes) }
  /// Coefficient of variation of the positives per box (0 when there are none).
  public var positiveSpread: Double {
    let mean = meanPositives
    guard mean > 0 else { return 0 }
    let variance = max(0, positivesSquareSum / Double(boxes) - mean * mean)
    return variance.squareRoot() / mean
  }

  /// Whether this score beats `other`: a higher ``coveredShare``, else (equal) a higher
  /// ``meanBestIoU``, else (equal) a lower ``positiveSpread``. Meaningful for scores of the
  /// same boxes.
  public func isBetter(than other: AnchorObjective) -> Bool {
    if coveredShare != other.coveredShare { return coveredShare > other.coveredShare }
    if meanBestIoU != other.meanBestIoU { return meanBestIoU > other.meanBestIoU }
    return positiveSpread < other.positiveSpread
  }

  /// Adds `other`'s boxes (scores of disjoint box sets).
  public mutating func add(_ other: AnchorObjective) {
    boxes += other.boxes
    skipped += other.skipped
    covered += other.covered
    bestIoUSum += other.bestIoUSum
    positivesSum += other.positivesSum
    positivesSquareSum += other.positivesSquareSum
  }

  /// The score of one image: `groundTruth` on `index`'s grid under `matcher` without the
  /// low-quality rescue.
  ///
  /// - Throws: the matcher's error for a ground truth it rejects (degenerate boxes are
  ///   skipped, counted in ``skipped``, never an error).
  /// - Complexity: the sparse matcher's, O(N + M log M), plus O(N).
  public init(groundTruth: BoxArray, index: GridAnchorIndex, matcher: IoUMatcher) throws {
    guard !groundTruth.isEmpty else { return }
    var strict = matcher
    strict.allowsLowQualityMatches = false
    strict.degenerateGroundTruth = .skip
    let result = try strict.match(groundTruth: groundTruth, in: index)
    var positives = [Int](repeating: 0, count: groundTruth.count)
    for j in result.matches where j >= 0 { positives[j] += 1 }
    let skippedRows = Set(result.statistics.skippedGroundTruth)
    skipped = skippedRows.count
    for j in 0..<groundTruth.count where !skippedRows.contains(j) {
      boxes += 1
      let p = Double(positives[j])
      if p > 0 { covered += 1 }
      positivesSum += p
      positivesSquareSum += p * p
      bestIoUSum += Double(result.statistics.bestIoU[j])
    }
  }
}

extension AnchorFitBoxes {
  /// The score of `generator`'s anchors on these boxes under `matcher` (see
  /// ``AnchorObjective``).
  ///
  /// - Parameters:
  ///   - generator: the anchors (a preset's or a configuration's).
  ///   - matcher: the thresholds; its low-quality flag is ignored (always off).
  ///   - threads: images scored at once (`nil`: every core; 1: serially); the result is
  ///     the same for any value.
  /// - Throws: ``PipelineError`` (``PipelineError/Code/anchorLimit``) when a canvas needs
  ///   more anchors than the library's limit, ``PipelineError/Code/assignmentFailed``
  ///   wrapping a matcher error.
  /// - Complexity: one grid per canvas and one sparse match per image.
  public func objective(
    of generator: AnchorGenerator, matcher: IoUMatcher, threads: Int? = nil
  ) throws(PipelineError) -> AnchorObjective {
    var total = AnchorObjective()
    for group in groups {
      let grid: AnchorGrid
      do {
        grid = try generator.checkedAnchors(for: group.canvas)
      } catch {
        throw PipelineError(.anchorLimit, at: "canvas \(group.canvas)", "\(error)")
      }
      let index = GridAnchorIndex(grid)
      let count = group.images.count
      var scores = [AnchorObjective](repeating: AnchorObjective(), count: count)
      var failures = [String?](repeating: nil, count: count)
      scores.withUnsafeMutableBufferPointer { scores in
        failures.withUnsafeMutableBufferPointer { failures in
          nonisolated(unsafe) let (s, f) = (scores, failures)
          forEachChunk(ChunkPlan(count: count, chunkSize: 1), maxConcurrency: threads) { i, _ in
            do {
              s[i] = try AnchorObjective(
                groundTruth: group.images[i], index: index, matcher: matcher)
            } catch {
              f[i] = "\(error)"
            }
          }
        }
      }
      if let failure = failures.compactMap({ $0 }).first {
        throw PipelineError(.assignmentFailed, at: "canvas \(group.canvas)", failure)
      }
      for s in scores { total.add(s) }
    }
    return total
  }
}
