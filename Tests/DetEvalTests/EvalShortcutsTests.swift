import DetGeometry
import Testing

@testable import DetEval

/// The tests' seeded generator: the project's SplitMix64.
private typealias Mix64 = SyntheticBoxes.SplitMix64

/// The score order (insertion sort, comparison sort and radix sort by size) is one order:
/// score descending, NaN last, ties (also `-0.0` against `0.0`) in ascending index order.
@Test(arguments: [0, 1, 2, 23, 24, 255, 256, 257, 3_000])
func scoreOrderIsTheStableDescendingOrderAtEverySize(_ n: Int) {
  var rng = Mix64(state: UInt64(n) &+ 5)
  let specials: [Double] = [.nan, -0.0, 0.0, .infinity, -.infinity, 1e-300, -1e-300]
  let scores = (0..<n).map { _ -> Double in
    let r = rng.next()
    if r % 17 == 0 { return specials[Int(r / 17 % UInt64(specials.count))] }
    // A coarse grid, so many scores tie; both signs.
    return Double(Int(r % 41) - 10) / 8
  }
  var indices = (0..<n).map(Int32.init)
  sortByScoreDescending(&indices, scores: scores)
  let expected = (0..<n).sorted { a, b in
    let (x, y) = (scores[a], scores[b])
    if x.isNaN != y.isNaN { return y.isNaN }
    if !x.isNaN && x != y { return x > y }
    return a < b
  }
  #expect(indices.map(Int.init) == expected)
}

/// Radix sort keeps equal keys in their order and sorts any 64-bit key.
@Test func radixSortIsStableOverAllBits() {
  var rng = Mix64(state: 99)
  let keys = (0..<5_000).map { _ -> UInt64 in
    let r = rng.next()
    return r % 3 == 0 ? r % 7 : r
  }
  var sorted = keys
  var values = (0..<keys.count).map(Int32.init)
  radixSort(&sorted, carrying: &values)
  let expected = (0..<keys.count).sorted {
    keys[$0] < keys[$1] || (keys[$0] == keys[$1] && $0 < $1)
  }
  #expect(values.map(Int.init) == expected)
  #expect(sorted == expected.map { keys[$0] })
}

/// Matching skips the ground truth scan for a detection whose best IoU is below the
/// threshold; at a threshold of 0 (or below) an IoU of 0 still matches, as in pycocotools
/// (`if ious[d, g] < iou: continue`), so the shortcut must take the zeros into account.
@Test(arguments: [0.0, -0.5])
func aThresholdOfZeroMatchesBoxesThatDoNotOverlap(_ threshold: Double) throws {
  let gt = [
    EvalGroundTruth(
      id: 1, imageID: 1, categoryID: 1, x: 0, y: 0, width: 10, height: 10, area: 100)
  ]
  let detections = [
    EvalDetection(imageID: 1, categoryID: 1, x: 50, y: 50, width: 10, height: 10, score: 0.9)
  ]
  var parameters = COCOEvalParameters()
  parameters.iouThresholds = [threshold]
  let evaluation = try COCOEvaluator(parameters: parameters).evaluate(
    images: [1], categories: [1], groundTruth: gt, detections: detections)
  // One true positive: precision 1 / (1 + eps) at every recall point (as pycocotools
  // divides), so AP is 1 but for the last bits.
  #expect(abs(evaluation.summary().stats[0] - 1) < 1e-12)
  // At 0.5 the same detection is a false positive.
  let strict = try COCOEvaluator().evaluate(
    images: [1], categories: [1], groundTruth: gt, detections: detections)
  #expect(strict.summary().stats[0] == 0)
}
