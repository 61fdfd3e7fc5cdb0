import DetGeometry
import DetMatching
import Foundation

/// Fits an anchor configuration to a dataset: sizes and aspect ratios per level, keeping a
/// base configuration's structure (levels, strides, sizes × ratios per level, arithmetic),
/// to maximise ``AnchorObjective`` under the matcher that will train on it.
///
/// The search:
/// 1. scores the base (usually a preset) and the k-means baseline (``kMeansGenerator(for:)``);
/// 2. starts from the better of the two and, for ``iterations`` rounds, mutates it (each
///    log size and log ratio moves, with probability 1/2, by `σ · u · N(0, 1)`, `u` uniform
///    in [0, 1), `σ` falling linearly from 0.3 to 0.05; YOLOv5's evolution in log space),
///    keeping a mutation when it scores better (``AnchorObjective/isBetter(than:)``).
///
/// The result is the best configuration scored, so it never scores below the base nor the
/// k-means baseline on the boxes searched. Every draw comes from `SeededGenerator(seed:)`
/// in a fixed order, so a seed gives the same result on every run and thread count.
/// In the torchvision mode sizes are whole pixels (it truncates them, `int(size)`).
public struct AnchorSearch: Sendable {
  /// The structure and arithmetic to keep (strides, sizes and ratios per level, compat,
  /// offset).
  public var base: AnchorGenerator
  /// The matcher the objective counts positives under (its low-quality flag is ignored).
  public var matcher: IoUMatcher
  /// One ratio list, and one list of sizes relative to each level's smallest, for every
  /// level (what mmdetection's `AnchorGenerator` can load: per-level base sizes, shared
  /// ratios and scales).
  public var sharesRatios: Bool
  /// Mutation rounds after the two starting points.
  public var iterations: Int
  /// The seed of every random draw (k-means++ and the mutations).
  public var seed: UInt64
  /// Images scored at once (`nil`: every core).
  public var threads: Int?

  /// Creates a search.
  /// - Precondition: `base` has at least one level and `iterations >= 0`.
  public init(
    base: AnchorGenerator, matcher: IoUMatcher, sharesRatios: Bool = false,
    iterations: Int = 100, seed: UInt64 = 0, threads: Int? = nil
  ) {
    precondition(!base.levels.isEmpty, "the base configuration needs a level")
    precondition(iterations >= 0, "iterations must be >= 0, got \(iterations)")
    self.base = base
    self.matcher = matcher
    self.sharesRatios = sharesRatios
    self.iterations = iterations
    self.seed = seed
    self.threads = threads
  }

  /// `generator` with `count` sizes per level and its ratios kept: level `l`'s sizes become
  /// `s_l · 2^(i / count)` for `i` in `0 ..< count`, `s_l` its smallest size (octave
  /// scales, as RetinaNet spaces its three). The starting point of a search with another
  /// number of anchor types per level (`types = count × ratios`).
  ///
  /// - Precondition: `count >= 1`.
  /// - Complexity: O(levels × count).
  public static func base(_ generator: AnchorGenerator, sizesPerLevel count: Int)
    -> AnchorGenerator
  {
    precondition(count >= 1, "sizes per level must be >= 1, got \(count)")
    var g = generator
    for l in g.levels.indices {
      let smallest = generator.sizes(ofLevel: l).min() ?? g.levels[l].size
      let sizes = AnchorGenerator.octaveScales(perOctave: count).map { smallest * $0 }
      g.levels[l].aspectRatios = generator.aspectRatios(ofLevel: l)
      g.levels[l].sizes = sizes
      g.levels[l].size = sizes[0]
    }
    g.scales = [1]
    return g
  }

  /// What a search found.
  public struct Result: Sendable {
    /// The base.
    public var base: AnchorGenerator
    /// The base's score.
    public var baseScore: AnchorObjective
    /// The k-means baseline (``kMeansGenerator(for:)``).
    public var kMeans: AnchorGenerator
    /// The k-means baseline's score.
    public var kMeansScore: AnchorObjective
    /// The best configuration scored (never below ``base`` nor ``kMeans``).
    public var best: AnchorGenerator
    /// The best configuration's score.
    public var bestScore: AnchorObjective
    /// Configurations scored (2 + iterations).
    public var evaluations: Int
  }

  /// Log sizes and log ratios per level: the search's coordinates.
  struct Point: Hashable {
    var logSizes: [[Double]]
    var logRatios: [[Double]]
  }

  func point(of generator: AnchorGenerator) -> Point {
    Point(
      logSizes: generator.levels.indices.map { generator.sizes(ofLevel: $0).map { log($0) } },
      logRatios: generator.levels.indices.map {
        generator.aspectRatios(ofLevel: $0).map { log($0) }
      })
  }

  /// The configuration at `p`: sizes and ratios ascending per level, whole-pixel sizes
  /// (at least 1) in the torchvision mode, one ratio list with ``sharesRatios``.
  func generator(at p: Point) -> AnchorGenerator {
    var g = base
    var ratios = p.logRatios.map { $0.map { exp($0) }.sorted() }
    if sharesRatios {
      let shared = ratios[0].indices.map { r in
        exp(ratios.map { log($0[r]) }.reduce(0, +) / Double(ratios.count))
      }
      ratios = ratios.map { _ in shared }
    }
    // With shared ratios, the sizes relative to each level's smallest are shared too (the
    // mean of the levels' log offsets): mmdetection shares its scales across levels.
    var logSizes = p.logSizes.map { $0.sorted() }
    if sharesRatios {
      let relative = logSizes[0].indices.map { s in
        logSizes.map { $0[s] - $0[0] }.reduce(0, +) / Double(logSizes.count)
      }
      logSizes = logSizes.map { level in relative.map { level[0] + $0 } }
    }
    for l in g.levels.indices {
      var sizes = logSizes[l].map { exp($0) }.sorted()
      if base.compatibility == .torchvision { sizes = sizes.map { max(1, $0.rounded()) } }
      g.levels[l].sizes = sizes
      g.levels[l].size = sizes[0]
      g.levels[l].aspectRatios = ratios[l]
    }
    g.scales = [1]
    g.aspectRatios = ratios[0]
    return g
  }

  /// The k-means baseline in the base's structure: `levels × types` shapes by
  /// ``AnchorShapeMetrics/kMeans(_:k:seed:iterations:)`` (on at most 20,000 shapes, a
  /// seeded sample), sorted by area and dealt `types` to a level, finest first; a level's
  /// `S` sizes are the geometric means of its shapes' `sqrt(w h)` in `S` ascending groups
  /// and its `R` ratios those of `h / w` in `R` ascending groups (the nearest sizes ×
  /// ratios product). Too few distinct shapes leave the base's level as it is.
  public func kMeansGenerator(for boxes: AnchorFitBoxes) -> AnchorGenerator {
    var shapes = boxes.shapes
    if shapes.count > 20_000 {
      var rng = SeededGenerator(seed: seed &+ 1)
      for i in 0..<20_000 {
        shapes.swapAt(i, i + Int(rng.next() % UInt64(shapes.count - i)))
      }
      shapes.removeSubrange(20_000...)
    }
    let sizeCount = base.sizes(ofLevel: 0).count
    let ratioCount = base.aspectRatios(ofLevel: 0).count
    let types = sizeCount * ratioCount
    let centres = AnchorShapeMetrics.kMeans(
      shapes, k: types * base.levels.count, seed: seed)
    var p = point(of: base)
    guard centres.count == types * base.levels.count else { return base }
    func geometricGroups(_ values: [Double], _ n: Int) -> [Double] {
      let sorted = values.sorted()
      let per = sorted.count / n
      return (0..<n).map { g in
        let slice = sorted[(g * per)..<((g + 1) * per)]
        return slice.map { log($0) }.reduce(0, +) / Double(per)
      }
    }
    for l in base.levels.indices {
      let mine = centres[(l * types)..<((l + 1) * types)]
      p.logSizes[l] = geometricGroups(mine.map { ($0.width * $0.height).squareRoot() }, sizeCount)
      p.logRatios[l] = geometricGroups(mine.map { $0.height / $0.width }, ratioCount)
    }
    return generator(at: p)
  }

  /// Runs the search on `boxes`.
  ///
  /// - Parameter progress: called after each configuration scored, with the round (0 and 1
  ///   for the base and k-means) and the best score so far.
  /// - Throws: what ``AnchorFitBoxes/objective(of:matcher:threads:)`` throws.
  /// - Complexity: `2 + iterations` scorings of `boxes`.
  public func run(
    on boxes: AnchorFitBoxes, progress: (Int, AnchorObjective) -> Void = { _, _ in }
  ) throws(PipelineError) -> Result {
    let baseScore = try boxes.objective(of: base, matcher: matcher, threads: threads)
    progress(0, baseScore)
    let kMeans = kMeansGenerator(for: boxes)
    let kMeansScore = try boxes.objective(of: kMeans, matcher: matcher, threads: threads)
    var (best, bestScore) = (base, baseScore)
    if kMeansScore.isBetter(than: baseScore) { (best, bestScore) = (kMeans, kMeansScore) }
    progress(1, bestScore)
    var current = point(of: best)
    var rng = SeededGenerator(seed: seed &+ 2)
    func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
    func normal() -> Double {
      let u1 = max(uniform(), 0x1p-53)
      let u2 = uniform()
      return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
    for round in 0..<iterations {
      let sigma = 0.3 - 0.25 * Double(round) / Double(max(iterations - 1, 1))
      var candidate = current
      func mutate(_ v: inout Double) {
        if uniform() < 0.5 { v += sigma * uniform() * normal() }
      }
      for l in candidate.logSizes.indices {
        for s in candidate.logSizes[l].indices { mutate(&candidate.logSizes[l][s]) }
        for r in candidate.logRatios[l].indices { mutate(&candidate.logRatios[l][r]) }
      }
      let g = generator(at: candidate)
      let score = try boxes.objective(of: g, matcher: matcher, threads: threads)
      if score.isBetter(than: bestScore) {
        (best, bestScore) = (g, score)
        current = candidate
      }
      progress(round + 2, bestScore)
    }
    return Result(
      base: base, baseScore: baseScore, kMeans: kMeans, kMeansScore: kMeansScore, best: best,
      bestScore: bestScore, evaluations: 2 + iterations)
  }
}
