import DetGeometry
import Foundation
import Testing

@testable import DetMatching

@Test func targetsCarryClassesAndEncodePositivesOnly() {
  let anchors = BoxArray([
    Box(x1: 0, y1: 0, x2: 10, y2: 10), Box(x1: 20, y1: 20, x2: 40, y2: 40),
    Box(x1: 50, y1: 50, x2: 60, y2: 60),
  ])
  let gt = BoxArray([Box(x1: 22, y1: 18, x2: 42, y2: 44), Box(x1: 0, y1: 0, x2: 12, y2: 10)])
  let stats = MatchStatistics(
    positives: 2, negatives: 0, ignored: 1, unmatchedGroundTruth: [], skippedGroundTruth: [],
    bestIoU: [0.5, 0.8])
  let t = TrainingTargets(
    match: MatchResult(matches: [1, 0, -2], statistics: stats), classes: [3, 7], groundTruth: gt,
    anchors: anchors,
    coder: BoxCoder())
  #expect(t.labels == [7, 3, -2])
  // Anchor 1 (centre 30, 30, 20 x 20) to box (centre 32, 31, 20 x 26): dx = 2/20, dy = 1/20, dw = 0, dh = ln(1.3).
  // ln goes through the C library: within 2 ulp.
  let near = { (a: [Float], b: [Float]) in
    zip(a, b).allSatisfy { abs($0 - $1) <= 2 * max(abs($1), 1e-6) * .ulpOfOne }
  }
  #expect(near(Array(t.boxTargets[4..<8]), [0.1, 0.05, 0, log(1.3)]))
  #expect(Array(t.boxTargets[8..<12]) == [0, 0, 0, 0])
  // Anchor 0 (centre 5, 5, 10 x 10) to box (centre 6, 5, 12 x 10).
  #expect(near(Array(t.boxTargets[0..<4]), [0.1, 0, log(1.2), 0]))
}
