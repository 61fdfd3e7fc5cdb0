import DetGeometry

/// How well an anchor grid covers a set of ground-truth boxes, accumulated image by image.
///
/// For every ground truth (in the resized image's pixels) the sparse matcher gives its best
/// anchor IoU (over all anchors; no ignore regions) and the anchors it is matched to under
/// the given matcher. Figures are kept per COCO size bucket of the box area
/// (`small < 32²`, `medium < 96²`, `large` otherwise) and per log2 bin of the box's side
/// `sqrt(area)` (`< 8`, `[8, 16)`, ..., `[256, 512)`, `>= 512`).
///
/// Degenerate ground truths are skipped and counted in ``skipped``; they never enter a row.
/// Memory is O(levels + distinct positive counts) per row, whatever the number of images.
public struct AnchorCoverage: Sendable, Hashable {
  /// Accumulated figures of one bucket or bin.
  public struct Row: Sendable, Hashable {
    /// `"small"`, `"medium"`, `"large"`, `"all"`, or a bin such as `"16-32"`.
    public var name: String
    /// Ground truths in the row.
    public var count: Int = 0
    /// Ground truths whose best anchor IoU is at least 0.5.
    public var reaching05: Int = 0
    /// Ground truths whose best anchor IoU is at least 0.7.
    public var reaching07: Int = 0
    /// Sum of the best IoUs (Double accumulation).
    public var bestIoUSum: Double = 0
    /// Number of ground truths (value) with a given number of positive anchors (key).
    public var positivesHistogram: [Int: Int] = [:]
    /// Positive anchors per level, over the row's ground truths.
    public var positivesPerLevel: [Int]

    init(name: String, levels: Int) {
      self.name = name
      self.positivesPerLevel = [Int](repeating: 0, count: levels)
    }

    /// Share of ground truths with best IoU >= 0.5 (0 for an empty row).
    public var share05: Double { count == 0 ? 0 : Double(reaching05) / Double(count) }
    /// Share of ground truths with best IoU >= 0.7 (0 for an empty row).
    public var share07: Double { count == 0 ? 0 : Double(reaching07) / Double(count) }
    /// Mean best IoU (0 for an empty row).
    public var meanBestIoU: Double { count == 0 ? 0 : bestIoUSum / Double(count) }
    /// Total positive anchors.
    public var positives: Int { positivesPerLevel.reduce(0, +) }
    /// Mean positive anchors per ground truth (0 for an empty row).
    public var positivesMean: Double { count == 0 ? 0 : Double(positives) / Double(count) }
    /// Share of ground truths with no positive anchor (0 for an empty row).
    public var shareWithoutPositive: Double {
      count == 0 ? 0 : Double(positivesHistogram[0, default: 0]) / Double(count)
    }
    /// Median of positives per ground truth: the middle value, or the mean of the two
    /// middle values for an even count (0 for an empty row).
    /// - Complexity: O(k log k) in the number of distinct counts.
    public var positivesMedian: Double {
      guard count > 0 else { return 0 }
      let sorted = positivesHistogram.sorted { $0.key < $1.key }
      func value(at rank: Int) -> Int {
        var seen = 0
        for (k, n) in sorted {
          seen += n
          if rank < seen { return k }
        }
        return sorted.last!.key
      }
      return count % 2 == 1
        ? Double(value(at: count / 2)) : Double(value(at: count / 2 - 1) + value(at: count / 2)) / 2
    }
    /// Per level, its share of the row's positives (zeros when there are none).
    public var levelShares: [Double] {
      let total = positives
      return positivesPerLevel.map { total == 0 ? 0 : Double($0) / Double(total) }
    }

    mutating func add(bestIoU: Float, positivesPerLevel counts: [Int]) {
      count += 1
      reaching05 += bestIoU >= 0.5 ? 1 : 0
      reaching07 += bestIoU >= 0.7 ? 1 : 0
      bestIoUSum += Double(bestIoU)
      positivesHistogram[counts.reduce(0, +), default: 0] += 1
      for l in counts.indices { positivesPerLevel[l] += counts[l] }
    }
  }

  /// The level names of the grid, in order.
  public let levelNames: [String]
  /// The matcher that decides positives.
  public let matcher: IoUMatcher
  /// Every ground truth.
  public private(set) var all: Row
  /// COCO buckets: small, medium, large.
  public private(set) var buckets: [Row]
  /// log2 side bins: `< 8`, `8-16`, ..., `256-512`, `>= 512`.
  public private(set) var bins: [Row]
  /// Images added.
  public private(set) var images = 0
  /// Degenerate ground truths left out.
  public private(set) var skipped = 0
  /// Boxes whose given area (``observe(groundTruth:grid:index:areas:)``) exceeds their own
  /// width x height by more than 1 % (and 1 px²): no object inside its box is that large,
  /// so such an area is not the object's.
  public private(set) var areasAboveBox = 0

  /// The names of the log2 side bins, in order.
  public static let binNames = [
    "<8", "8-16", "16-32", "32-64", "64-128", "128-256", "256-512", ">=512",
  ]

  /// An empty accumulator for grids with `levelNames` levels, positives decided by
  /// `matcher` (its degenerate-box rule is replaced by skipping).
  public init(levelNames: [String], matcher: IoUMatcher) {
    self.levelNames = levelNames
    var m = matcher
    m.degenerateGroundTruth = .skip
    m.ignoreIoFThreshold = nil
    self.matcher = m
    let n = levelNames.count
    all = Row(name: "all", levels: n)
    buckets = ["small", "medium", "large"].map { Row(name: $0, levels: n) }
    bins = Self.binNames.map { Row(name: $0, levels: n) }
  }

  /// The COCO bucket of a box area in pixels²: 0 small (`< 32²`), 1 medium (`< 96²`), 2 large.
  public static func bucket(area: Double) -> Int { area < 1024 ? 0 : area < 9216 ? 1 : 2 }

  /// The log2 side bin of a box area: `floor(log2(sqrt(area)))` mapped to `0...7`
  /// (`< 8` is bin 0, `>= 512` bin 7).
  public static func bin(area: Double) -> Int {
    let side = area.squareRoot()
    guard side >= 8 else { return 0 }
    guard side < 512 else { return 7 }
    var k = 0
    var edge = 16.0
    while side >= edge {
      k += 1
      edge *= 2
    }
    return k + 1
  }

  /// What one image contributes: per filed box its area, best anchor IoU and positives per
  /// level, and how many degenerate boxes were skipped. Made by
  /// ``observe(groundTruth:grid:index:)`` (the expensive part, safe to run on several images
  /// at once) and filed by ``add(_:)`` (cheap; call it in image order for reproducible sums).
  public struct Observation: Sendable {
    /// Per filed box, in ground-truth order: its area in pixels², best IoU and positives per
    /// level.
    public var boxes: [(area: Double, bestIoU: Float, positivesPerLevel: [Int])]
    /// Degenerate boxes left out.
    public var skipped: Int
    /// Filed boxes whose given area exceeds their own (see ``AnchorCoverage/areasAboveBox``).
    public var areasAboveBox = 0
  }

  /// Adds one image: matches `groundTruth` (xyxy pixels on the grid's canvas) to `grid`'s
  /// anchors with the sparse matcher and files every non-degenerate box. Same as
  /// `add(observe(groundTruth:grid:index:))`.
  ///
  /// - Parameters:
  ///   - groundTruth: the image's boxes, already resized like the grid's image.
  ///   - grid: the anchors; `grid.levels.count == levelNames.count`.
  ///   - index: `GridAnchorIndex(grid)`, built once per canvas size.
  /// - Throws: nothing for degenerate boxes (skipped); ``MatchingError`` cannot arise.
  /// - Complexity: O(N + overlapping pairs) for the match and O(N) for the count.
  public mutating func add(groundTruth: BoxArray, grid: AnchorGrid, index: GridAnchorIndex) throws {
    add(try observe(groundTruth: groundTruth, grid: grid, index: index))
  }

  /// Matches one image's boxes without filing them (see ``add(groundTruth:grid:index:)``).
  /// Reads `self` only, so several images can be observed at once.
  /// - Complexity: O(N + overlapping pairs) for the match and O(N) for the count.
  /// - Parameter areas: per box, the area (pixels² of the grid's image) its size bucket and
  ///   bin are read from, e.g. a dataset's stored areas scaled by the resize; `nil`: the
  ///   box's width x height.
  public func observe(
    groundTruth: BoxArray, grid: AnchorGrid, index: GridAnchorIndex, areas: [Double]? = nil
  ) throws -> Observation {
    try observe(
      groundTruth: groundTruth, grid: grid, index: index, areas: areas, scratch: MatchScratchPool())
  }

  /// ``observe(groundTruth:grid:index:)`` with per-anchor scratch arrays reused between
  /// images: for a grid-aligned index the matcher counts positives per level without
  /// labelling every anchor (``IoUMatcher/positiveCounts(groundTruth:in:scratch:)``), on the
  /// caller's thread; the observation is the same.
  /// - Complexity: O(overlapping pairs + boxes × levels) when the counting path applies,
  ///   else that of the full match plus O(N).
  package func observe(
    groundTruth: BoxArray, grid: AnchorGrid, index: GridAnchorIndex, areas: [Double]? = nil,
    scratch: MatchScratchPool
  ) throws -> Observation {
    precondition(
      grid.levels.count == levelNames.count,
      "grid has \(grid.levels.count) levels, coverage \(levelNames.count)")
    precondition(areas == nil || areas?.count == groundTruth.count, "one area per box")
    guard !groundTruth.isEmpty else { return Observation(boxes: [], skipped: 0) }
    let m = groundTruth.count
    let levels = grid.levels.count
    let perBox: [Int]
    let bestIoU: [Float]
    let skippedRows: Set<Int>
    if let counts = try matcher.positiveCounts(
      groundTruth: groundTruth, in: index, scratch: scratch)
    {
      perBox = counts.counts
      bestIoU = counts.bestIoU
      skippedRows = Set(counts.skipped)
    } else {
      let result = try matcher.match(groundTruth: groundTruth, in: index)
      perBox = Self.positivesPerLevel(result.matches, grid: grid, groundTruthCount: m)
      bestIoU = result.statistics.bestIoU
      skippedRows = Set(result.statistics.skippedGroundTruth)
    }
    var observation = Observation(boxes: [], skipped: skippedRows.count)
    observation.boxes.reserveCapacity(m - skippedRows.count)
    for j in 0..<m where !skippedRows.contains(j) {
      let box = groundTruth[j]
      let boxArea = Double(box.width) * Double(box.height)
      var area = boxArea
      if let areas {
        area = areas[j]
        if area > boxArea * 1.01 + 1 { observation.areasAboveBox += 1 }
      }
      observation.boxes.append(
        (
          area: area, bestIoU: bestIoU[j],
          positivesPerLevel: Array(perBox[(j * levels)..<((j + 1) * levels)])
        ))
    }
    return observation
  }

  /// `counts[row * levels + l]`: the anchors of `grid`'s level `l` labelled `row` in
  /// `matches` (one label per anchor).
  /// - Complexity: O(N).
  static func positivesPerLevel(_ matches: [Int], grid: AnchorGrid, groundTruthCount m: Int)
    -> [Int]
  {
    let levels = grid.levels.count
    var perBox = [Int](repeating: 0, count: m * levels)
    for (l, level) in grid.levels.enumerated() {
      for i in level.range {
        let j = matches[i]
        if j >= 0 { perBox[j * levels + l] += 1 }
      }
    }
    return perBox
  }

  /// Files one image's observation: the image count, its skipped boxes and every box's row.
  /// - Complexity: O(boxes × levels).
  public mutating func add(_ observation: Observation) {
    images += 1
    skipped += observation.skipped
    areasAboveBox += observation.areasAboveBox
    for box in observation.boxes {
      all.add(bestIoU: box.bestIoU, positivesPerLevel: box.positivesPerLevel)
      buckets[Self.bucket(area: box.area)].add(
        bestIoU: box.bestIoU, positivesPerLevel: box.positivesPerLevel)
      bins[Self.bin(area: box.area)].add(
        bestIoU: box.bestIoU, positivesPerLevel: box.positivesPerLevel)
    }
  }
}
