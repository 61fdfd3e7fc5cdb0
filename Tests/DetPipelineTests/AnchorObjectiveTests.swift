import DetGeometry
import DetMatching
import DetPipeline
import Testing

/// A few small images of different canvases, COCO-like boxes shrunk to fit, and one
/// degenerate box.
private func smallSet(seed: UInt64) -> AnchorFitBoxes {
  var images: [(ImageSize, BoxArray)] = []
  let canvases = [ImageSize(height: 96, width: 128), ImageSize(height: 64, width: 64)]
  for k in 0..<6 {
    let canvas = canvases[k % 2]
    var boxes = SyntheticBoxes.cocoLike(count: 3 + k, in: canvas, seed: seed &+ UInt64(k))
    if k == 3 { boxes.append(Box(x1: 10, y1: 10, x2: 10, y2: 30)) }
    images.append((canvas, boxes))
  }
  return AnchorFitBoxes(images: images)
}

/// The objective recomputed from a dense IoU matrix and torchvision's `Matcher` rule
/// without low-quality matches (argmax over boxes, positive at IoU >= high).
private func bruteForce(
  _ set: AnchorFitBoxes, _ generator: AnchorGenerator, high: Float
) -> (boxes: Int, covered: Int, positives: [Int], bestIoUSum: Double) {
  func iou(_ a: Box, _ b: Box) -> Float {
    let w = max(min(a.x2, b.x2) - max(a.x1, b.x1), 0)
    let h = max(min(a.y2, b.y2) - max(a.y1, b.y1), 0)
    let inter = w * h
    return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter)
  }
  var (boxes, covered, all, best) = (0, 0, [Int](), 0.0)
  for group in set.groups {
    let anchors = Array(generator.anchors(for: group.canvas).boxes)
    for image in group.images {
      let gt = Array(image).filter { $0.x2 > $0.x1 && $0.y2 > $0.y1 }
      var positives = [Int](repeating: 0, count: gt.count)
      for a in anchors {
        var (v, arg): (Float, Int) = (-1, -1)
        for (j, g) in gt.enumerated() where iou(g, a) > v { (v, arg) = (iou(g, a), j) }
        if arg >= 0 && v >= high { positives[arg] += 1 }
      }
      for (j, g) in gt.enumerated() {
        boxes += 1
        if positives[j] > 0 { covered += 1 }
        best += Double(anchors.map { iou(g, $0) }.max() ?? 0)
      }
      all += positives
    }
  }
  return (boxes, covered, all, best)
}

@Test(arguments: [(AnchorGenerator.Preset.fpn, UInt64(1)), (.retinanet, 2), (.retinanet, 3)])
func objectiveEqualsADenseBruteForceCount(preset: AnchorGenerator.Preset, seed: UInt64) throws {
  let set = smallSet(seed: seed)
  let generator = AnchorGenerator(preset: preset, compatibility: .torchvision)
  let matcher = IoUMatcher.preset(preset)
  let score = try set.objective(of: generator, matcher: matcher, threads: 2)
  let expected = bruteForce(set, generator, high: matcher.highThreshold)
  #expect(score.boxes == expected.boxes && score.skipped == 1)
  #expect(score.covered == expected.covered)
  #expect(score.positivesSum == Double(expected.positives.reduce(0, +)))
  #expect(score.positivesSquareSum == Double(expected.positives.map { $0 * $0 }.reduce(0, +)))
  // Same Float IoUs summed in Double in a different order: a few ulps of the sum at most.
  #expect(abs(score.bestIoUSum - expected.bestIoUSum) <= 1e-9 * Double(expected.boxes))
  // The rescue is off: with these tiny canvases some boxes have no positive at all.
  #expect(score.covered < score.boxes)
  // The thread count does not change the score.
  #expect(try set.objective(of: generator, matcher: matcher, threads: 1) == score)
}

@Test func objectiveOnAPerLevelConfigurationEqualsTheBruteForceCount() throws {
  let set = smallSet(seed: 9)
  let generator = AnchorGenerator(
    levels: [
      .init(name: "P3", stride: 8, size: 12, sizes: [12, 20], aspectRatios: [0.5, 2]),
      .init(name: "P4", stride: 16, size: 40, sizes: [40, 56], aspectRatios: [1, 3]),
    ], aspectRatios: [1], compatibility: .detectron2)
  let score = try set.objective(of: generator, matcher: .retinaNet)
  let expected = bruteForce(set, generator, high: 0.5)
  #expect(score.covered == expected.covered && score.boxes == expected.boxes)
  #expect(score.positivesSum == Double(expected.positives.reduce(0, +)))
}

@Test func spreadAndOrderFollowTheirFormulas() {
  var a = AnchorObjective()
  a.boxes = 4
  a.covered = 3
  a.positivesSum = 6  // p = 0, 1, 2, 3: mean 1.5, mean of squares 3.5
  a.positivesSquareSum = 14
  a.bestIoUSum = 2
  // sqrt(3.5 - 2.25) / 1.5
  #expect(abs(a.positiveSpread - 1.25.squareRoot() / 1.5) < 1e-15)
  var b = a
  b.bestIoUSum = 2.4
  #expect(b.isBetter(than: a) && !a.isBetter(than: b))
  var c = a
  c.covered = 4
  c.bestIoUSum = 0.1
  #expect(c.isBetter(than: b))
  var d = a
  d.positivesSquareSum = 10  // p = 1, 1, 2, 2: a more even spread
  #expect(d.isBetter(than: a))
  #expect(AnchorObjective().positiveSpread == 0 && AnchorObjective().coveredShare == 0)
}

@Test func sampleIsSeededAndKeepsWholeImages() {
  let set = smallSet(seed: 4)
  let a = set.sample(images: 3, seed: 7)
  let b = set.sample(images: 3, seed: 7)
  #expect(a.imageCount == 3)
  #expect(a.groups.map(\.images) == b.groups.map(\.images))
  let original = Set(set.groups.flatMap(\.images))
  #expect(a.groups.flatMap(\.images).allSatisfy { original.contains($0) })
  #expect(set.sample(images: 100, seed: 1).imageCount == set.imageCount)
}

/// A sample's primary share stays within the stated standard error of the full set's
/// (four standard errors: a bound a correct sampler misses about once in 15,000 draws).
@Test(arguments: [UInt64(1), 2, 3, 4])
func samplingErrorIsWithinTheStatedBound(seed: UInt64) throws {
  let canvas = ImageSize(height: 128, width: 128)
  // Half the images (the first) hold only 6 px boxes that no anchor covers, half COCO-like
  // ones: a sampler that favoured either end would miss the full share by far.
  let set = AnchorFitBoxes(
    images: (0..<240).map { k in
      let coco = SyntheticBoxes.cocoLike(count: 5, in: canvas, seed: 100 &+ UInt64(k))
      let tiny = BoxArray(coco.map { Box(x1: $0.x1, y1: $0.y1, x2: $0.x1 + 6, y2: $0.y1 + 6) })
      return (canvas, k < 120 ? tiny : coco)
    })
  let generator = AnchorGenerator(preset: .retinanet, compatibility: .torchvision)
  let full = try set.objective(of: generator, matcher: .retinaNet)
  let sample = set.sample(images: 60, seed: seed)
  let part = try sample.objective(of: generator, matcher: .retinaNet)
  let p = full.coveredShare
  #expect(p > 0.2 && p < 0.8)
  let standardError = (p * (1 - p) / Double(part.boxes)).squareRoot()
  #expect(abs(part.coveredShare - p) <= 4 * standardError, "seed \(seed)")
}

/// The stated standard error of the covered share on a seeded image sample matches the
/// spread of that share over many seeded samples (a population of 1,500 images, samples of
/// 60): the error `anchors optimize` prints when it searches on a sample.
@Test func sampleStandardErrorMatchesTheSpreadOverSeeds() throws {
  let canvas = ImageSize(height: 64, width: 96)
  let population = AnchorFitBoxes(
    images: (0..<1_500).map { k in
      (canvas, SyntheticBoxes.cocoLike(count: 1 + k % 7, in: canvas, seed: UInt64(k)))
    })
  let generator = AnchorGenerator(preset: .retinanet, compatibility: .torchvision)
  let matcher = IoUMatcher.preset(.retinanet)
  let full = try population.objective(of: generator, matcher: matcher, threads: 2)
  #expect(full.images == 1_500)
  #expect(full.coveredShareStandardError(populationImages: 1_500) == 0)
  #expect(full.coveredShare > 0.2 && full.coveredShare < 0.8, "\(full.coveredShare)")
  var shares: [Double] = []
  var predicted: [Double] = []
  for seed in 0..<150 {
    let sample = population.sample(images: 60, seed: UInt64(seed))
    let s = try sample.objective(of: generator, matcher: matcher, threads: 2)
    #expect(s.images == 60)
    shares.append(s.coveredShare)
    predicted.append(s.coveredShareStandardError(populationImages: 1_500))
  }
  let mean = shares.reduce(0, +) / Double(shares.count)
  let spread =
    (shares.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
    / Double(shares.count - 1)).squareRoot()
  let stated = predicted.reduce(0, +) / Double(predicted.count)
  // 150 samples estimate a standard deviation to about ±6% (1 / sqrt(2 · 149)); the ratio
  // estimator's SE is itself estimated per sample. ±25% leaves room for both, and fails for
  // an error off by a factor such as sqrt(boxes per image).
  #expect(abs(stated / spread - 1) < 0.25, "stated \(stated), observed \(spread)")
  // The sample share is unbiased to within a few standard errors of the mean of 150.
  #expect(abs(mean - full.coveredShare) < 4 * spread / Double(shares.count).squareRoot())
}
