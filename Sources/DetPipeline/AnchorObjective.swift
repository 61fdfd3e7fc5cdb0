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
  /// Images scored (an image with no boxes counts: it is a sampled unit too).
  public var images: Int = 0
  /// `Σ_i c_i²` over images, `c_i` the image's covered boxes (for the standard error).
  public var coveredSquareSum: Double = 0
  /// `Σ_i n_i²` over images, `n_i` the image's scored boxes.
  public var boxesSquareSum: Double = 0
  /// `Σ_i c_i n_i` over images.
  public var coveredBoxesSum: Double = 0

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

  /// The standard error of ``coveredShare`` as an estimate of the share on a population
  /// of `populationImages` images, when these images are a uniform sample of them without
  /// replacement (``AnchorFitBoxes/sample(images:seed:)``).
  ///
  /// Images are the sampled units (boxes of one image are not independent), so this is the
  /// ratio estimator's standard error under cluster sampling: with `m` images, `n_i`
  /// scored and `c_i` covered boxes in image `i`, `p = Σc / Σn`, `n̄ = Σn / m`,
  /// `s² = Σ (c_i - p n_i)² / (m - 1)`:
  /// `SE = sqrt((1 - m / M) · s² / m) / n̄`, `M = populationImages`.
  ///
  /// - Returns: 0 when the sample is the whole population (`m >= M`); NaN for fewer than
  ///   two images or no boxes.
  /// - Complexity: O(1).
  public func coveredShareStandardError(populationImages: Int) -> Double {
    guard images < populationImages else { return 0 }
    guard images >= 2, boxes > 0 else { return .nan }
    let p = coveredShare
    let m = Double(images)
    let residuals = max(
      0, coveredSquareSum - 2 * p * coveredBoxesSum + p * p * boxesSquareSum)
    let variance = residuals / (m - 1)
    let finite = 1 - m / Double(populationImages)
    return (finite * variance / m).squareRoot() / (Double(boxes) / m)
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
    images += other.images
    coveredSquareSum += other.coveredSquareSum
    boxesSquareSum += other.boxesSquareSum
    coveredBoxesSum += other.coveredBoxesSum
  }

  /// The score of one image: `groundTruth` on `index`'s grid under `matcher` without the
  /// low-quality rescue.
  ///
  /// - Throws: the matcher's error for a ground truth it rejects (degenerate boxes are
  ///   skipped, counted in ``skipped``, never an error).
  /// - Complexity: the sparse matcher's counting pass, O(M * types + overlapping pairs),
  ///   after an O(N) first use of a fresh scratch pool.
  public init(groundTruth: BoxArray, index: GridAnchorIndex, matcher: IoUMatcher) throws {
    try self.init(
      groundTruth: groundTruth, index: index, matcher: matcher, scratch: MatchScratchPool())
  }

  /// As ``init(groundTruth:index:matcher:)``, reusing `scratch`'s per-anchor arrays: the
  /// positives per box come from the matcher's counting pass
  /// (`IoUMatcher.positiveCounts`, equal to counting a full match's labels), which touches
  /// only the anchors overlapping a box; the full match where that pass does not apply.
  init(
    groundTruth: BoxArray, index: GridAnchorIndex, matcher: IoUMatcher,
    scratch: MatchScratchPool
  ) throws {
    images = 1
    guard !groundTruth.isEmpty else { return }
    var strict = matcher
    strict.allowsLowQualityMatches = false
    strict.degenerateGroundTruth = .skip
    var positives = [Int](repeating: 0, count: groundTruth.count)
    let bestIoU: [Float]
    let skippedRows: Set<Int>
    if let counts = try strict.positiveCounts(
      groundTruth: groundTruth, in: index, scratch: scratch)
    {
      for j in positives.indices {
        for l in 0..<counts.levels { positives[j] += counts.counts[j * counts.levels + l] }
      }
      bestIoU = counts.bestIoU
      skippedRows = Set(counts.skipped)
    } else {
      let result = try strict.match(groundTruth: groundTruth, in: index)
      for j in result.matches where j >= 0 { positives[j] += 1 }
      bestIoU = result.statistics.bestIoU
      skippedRows = Set(result.statistics.skippedGroundTruth)
    }
    skipped = skippedRows.count
    for j in 0..<groundTruth.count where !skippedRows.contains(j) {
      boxes += 1
      let p = Double(positives[j])
      if p > 0 { covered += 1 }
      positivesSum += p
      positivesSquareSum += p * p
      bestIoUSum += Double(bestIoU[j])
    }
    let (c, n) = (Double(covered), Double(boxes))
    coveredSquareSum = c * c
    boxesSquareSum = n * n
    coveredBoxesSum = c * n
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
    let scratch = MatchScratchPool()
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
                groundTruth: group.images[i], index: index, matcher: matcher, scratch: scratch)
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
