import DetGeometry
import Testing

@testable import DetMatching

/// What `positiveCounts` must equal, the straightforward way: the dense matcher's label per
/// anchor, counted per ground-truth row and level.
private func countedDense(
  _ matcher: IoUMatcher, groundTruth: BoxArray, anchors: BoxArray,
  levels: [GridAnchorIndex.Level]
) throws -> PositiveCounts {
  let dense = try matcher.match(groundTruth: groundTruth, anchors: anchors)
  var counts = [Int](repeating: 0, count: groundTruth.count * levels.count)
  for (l, level) in levels.enumerated() {
    for a in level.range where dense.matches[a] >= 0 {
      counts[dense.matches[a] * levels.count + l] += 1
    }
  }
  return PositiveCounts(
    levels: levels.count, counts: counts, bestIoU: dense.statistics.bestIoU,
    skipped: dense.statistics.skippedGroundTruth)
}

/// Counting without labels equals counting the dense labels: 2000 seeded grids x 6 policies
/// (mmdetection's first-tie rule is left to the full match), degenerate boxes included, one
/// scratch pool for all of them (grids of every size in turn, so a stale entry would show).
@Test(arguments: 0..<20)
func positiveCountsEqualCountedDenseLabels(block: UInt64) throws {
  let scratch = MatchScratchPool()
  for seed in (block * 100)..<(block * 100 + 100) {
    var rng = TestRNG(seed: seed)
    let (anchors, levels) = randomGrid(&rng)
    let index = GridAnchorIndex(anchors: anchors, levels: levels)
    var gt = randomGroundTruth(&rng, anchors: anchors, span: 40)
    if rng.next() % 5 == 0 { gt.append(Box(x1: 3, y1: 3, x2: 3, y2: 8)) }
    let thresholds: [(Float, Float)] = [(0.7, 0.3), (0.5, 0.4), (0.5, 0.5), (0.6, 0)]
    let (high, low) = thresholds[Int(rng.next() % 4)]
    for policy in policies {
      let matcher = IoUMatcher(
        high: high, low: low, allowsLowQualityMatches: rng.next() % 4 != 0, policy: policy,
        degenerateGroundTruth: .skip)
      let counted = try matcher.positiveCounts(groundTruth: gt, in: index, scratch: scratch)
      if matcher.allowsLowQualityMatches, case .mmdetection(_, false) = policy {
        #expect(counted == nil)
        continue
      }
      let expected = try countedDense(matcher, groundTruth: gt, anchors: anchors, levels: levels)
      #expect(counted == expected, "seed \(seed) policy \(policy) thresholds \(high)/\(low)")
      if counted != expected { return }
    }
  }
}

@Test func positiveCountsLeaveIgnoreRegionsAndArbitraryAnchorsToTheFullMatch() throws {
  let anchors = BoxArray([
    Box(x1: 0, y1: 0, x2: 10, y2: 10), Box(x1: 3, y1: 0, x2: 9, y2: 20),
  ])
  let gt = BoxArray([Box(x1: 1, y1: 1, x2: 9, y2: 9)])
  let scratch = MatchScratchPool()
  let matcher = IoUMatcher.retinaNet
  // Not grid-aligned: the second anchor's column disagrees with the first's.
  let loose = GridAnchorIndex(
    anchors: anchors, levels: [.init(range: 0..<2, rows: 2, columns: 1, typesPerCell: 1)])
  #expect(!loose.isGridAligned)
  #expect(try matcher.positiveCounts(groundTruth: gt, in: loose, scratch: scratch) == nil)
  let grid = AnchorGenerator(preset: .retinanet, compatibility: .torchvision)
    .anchors(for: ImageSize(height: 128, width: 128))
  var ignoring = matcher
  ignoring.ignoreIoFThreshold = 0.5
  #expect(
    try ignoring.positiveCounts(groundTruth: gt, in: GridAnchorIndex(grid), scratch: scratch)
      == nil)
}

/// A dataset-sized check through `AnchorCoverage`: random images on the RetinaNet grid of
/// several canvases, observed with one scratch pool, file the same figures as observing the
/// dense match's labels.
@Test(arguments: AnchorGenerator.Compatibility.allCases)
func coverageObservationsEqualTheDenseCount(compat: AnchorGenerator.Compatibility) throws {
  let generator = AnchorGenerator(preset: .retinanet, compatibility: compat)
  let names = generator.levels.map(\.name)
  var fast = AnchorCoverage(levelNames: names, matcher: .retinaNet)
  var dense = AnchorCoverage(levelNames: names, matcher: .retinaNet)
  let scratch = MatchScratchPool()
  var rng = TestRNG(seed: 16)
  let canvases = [ImageSize(height: 160, width: 224), ImageSize(height: 256, width: 192)]
  let grids = canvases.map { generator.anchors(for: $0) }
  for image in 0..<60 {
    let grid = grids[image % grids.count]
    let span = Float(min(grid.image.height, grid.image.width))
    var gt = rng.boxes(
      count: Int(rng.next() % 9), span: span, integer: rng.next() % 2 == 0, maxSide: span)
    if image % 7 == 3 { gt.append(Box(x1: 4, y1: 4, x2: 2, y2: 9)) }
    let observed = try fast.observe(
      groundTruth: gt, grid: grid, index: GridAnchorIndex(grid), scratch: scratch)
    fast.add(observed)
    let counted = try countedDense(
      dense.matcher, groundTruth: gt, anchors: grid.boxes,
      levels: grid.levels.map {
        .init(range: $0.range, rows: $0.rows, columns: $0.columns, typesPerCell: $0.typesPerCell)
      })
    let skipped = Set(counted.skipped)
    let boxes = gt.indices.filter { !skipped.contains($0) }.map { j in
      (
        area: Double(gt[j].width) * Double(gt[j].height), bestIoU: counted.bestIoU[j],
        positivesPerLevel: Array(counted.counts[(j * names.count)..<((j + 1) * names.count)])
      )
    }
    dense.add(AnchorCoverage.Observation(boxes: boxes, skipped: skipped.count))
  }
  #expect(fast.all.count > 200)
  #expect(fast.skipped > 0)
  #expect(fast == dense)
}
