import DetGeometry
import DetMatching
import Testing

/// REFERENCE.md TV5: anchor [0,0,10,20], ground truth [2,3,14,19], weights (1,1,1,1) ->
/// [0.3, 0.05, 0.1823215567939546, -0.2231435513142097]; dx, dy are exact in float32, dw
/// and dh go through ln (libm vs torch's SLEEF), so they are compared to 2 ulps.
@Test func positivesAreEncodedAgainstTheirGroundTruth() {
  let anchors = BoxArray([
    Box(x1: 100, y1: 100, x2: 110, y2: 110), Box(x1: 0, y1: 0, x2: 10, y2: 20),
    Box(x1: 50, y1: 50, x2: 60, y2: 60),
  ])
  let gt = BoxArray([Box(x1: 7, y1: 7, x2: 9, y2: 9), Box(x1: 2, y1: 3, x2: 14, y2: 19)])
  let result = MatchResult(
    matches: [-1, 1, -2],
    statistics: MatchStatistics(
      positives: 1, negatives: 1, ignored: 1, unmatchedGroundTruth: [0], skippedGroundTruth: [],
      bestIoU: [0, 0]))
  let targets = result.regressionTargets(groundTruth: gt, anchors: anchors)
  #expect(targets.anchorIndices == [1])
  #expect(targets.deltas[0] == Float(0.3) && targets.deltas[1] == Float(0.05))
  let expected: [Float] = [0.1823215567939546, -0.2231435513142097]
  for k in 0..<2 { #expect(abs(targets.deltas[2 + k] - expected[k]) <= 2 * expected[k].ulp) }
}

@Test func targetsFollowTheMatcherOnAGrid() throws {
  let grid = AnchorGenerator.fpn(compatibility: .torchvision).anchors(
    for: ImageSize(height: 128, width: 128))
  let gt = BoxArray([Box(x1: 10, y1: 12, x2: 60, y2: 50), Box(x1: 70, y1: 64, x2: 120, y2: 126)])
  let result = try IoUMatcher(
    high: 0.7, low: 0.3, allowsLowQualityMatches: true, policy: .torchvision
  )
  .match(groundTruth: gt, in: GridAnchorIndex(grid))
  let coder = BoxCoder(weights: SIMD4(10, 10, 5, 5))
  let targets = result.regressionTargets(groundTruth: gt, anchors: grid.boxes, coder: coder)
  let positives = result.matches.indices.filter { result.matches[$0] >= 0 }
  #expect(targets.anchorIndices == positives)
  #expect(!positives.isEmpty)
  let direct = coder.encode(
    BoxArray(positives.map { gt[result.matches[$0]] }),
    relativeTo: BoxArray(positives.map { grid.boxes[$0] }))
  #expect(targets.deltas == direct)
}
