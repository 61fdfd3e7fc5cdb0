import DetGeometry
import DetMatching
import Foundation
import Testing

/// fixtures/golden/matching_atss.json: mmdetection's ATSSAssigner (re-implemented with
/// the same torch ops) on grid and jittered anchors, empty ground truth, ignore regions.
@Test func atssReproducesMMDetection() throws {
  let cases = try Golden.load("matching_atss.json")["cases"] as! [[String: Any]]
  #expect(cases.count == 40)
  var compared = 0
  for (index, c) in cases.enumerated() {
    // torch.topk leaves the choice among equal distances at the k-th place unspecified;
    // detkit takes the lower index, so those cases are not comparable.
    if c["boundary_tie"] as! Bool { continue }
    let regions = Golden.boxes(c["ignore"])
    let assigner = ATSSAssigner(
      topK: (c["topk"] as! NSNumber).intValue, fallsBackToBestCandidate: false,
      ignoreIoFThreshold: (c["ignore_iof_thr"] as! NSNumber).floatValue)
    let result = try assigner.assign(
      groundTruth: Golden.boxes(c["gt"]), anchors: Golden.boxes(c["anchors"]),
      levelCounts: Golden.ints(c["levels"]), ignoreRegions: regions)
    #expect(result.matches == Golden.ints(c["matches"]), "case \(index)")
    compared += 1
  }
  #expect(compared >= 30)
}

@Test func atssWithoutGroundTruthIsAllBackground() throws {
  let anchors = BoxArray([Box(x1: 0, y1: 0, x2: 8, y2: 8), Box(x1: 8, y1: 0, x2: 16, y2: 8)])
  let result = try ATSSAssigner.mmdetection.assign(
    groundTruth: BoxArray(), anchors: anchors, levelCounts: [2])
  #expect(result.matches == [-1, -1])
}

/// Five anchors on one level, candidate IoUs [0.6, 0.5, 0, 0, 0]: mean 0.22, unbiased std
/// 0.3058, threshold 0.5258 admits only the 0.6 anchor (a biased std, 0.2735, would give
/// 0.4935 and admit the 0.5 anchor too).
@Test func atssThresholdIsMeanPlusUnbiasedStd() throws {
  let anchors = BoxArray([
    Box(x1: 0, y1: 0, x2: 10, y2: 6), Box(x1: 0, y1: 0, x2: 10, y2: 5),
    Box(x1: 100, y1: 100, x2: 110, y2: 110),
    Box(x1: 200, y1: 0, x2: 210, y2: 10), Box(x1: 0, y1: 300, x2: 10, y2: 310),
  ])
  let gt = BoxArray([Box(x1: 0, y1: 0, x2: 10, y2: 10)])
  let result = try ATSSAssigner.mmdetection.assign(
    groundTruth: gt, anchors: anchors, levelCounts: [5])
  #expect(result.matches == [0, -1, -1, -1, -1])
  #expect(result.statistics.bestIoU == [0.6])
}

/// A box whose centre lies in no anchor's reach: mmdetection leaves it without a positive
/// (its candidates' centres are outside it); the fallback gives it the best candidate.
@Test func fallbackServesAGroundTruthWithoutPositive() throws {
  let anchors = BoxArray([Box(x1: 0, y1: 0, x2: 10, y2: 10), Box(x1: 10, y1: 0, x2: 20, y2: 10)])
  // Thin box between the two anchor centres (5 and 15): no centre inside it.
  let gt = BoxArray([Box(x1: 6, y1: 2, x2: 12, y2: 8)])
  let compat = try ATSSAssigner.mmdetection.assign(
    groundTruth: gt, anchors: anchors, levelCounts: [2])
  #expect(compat.matches == [-1, -1])
  #expect(compat.statistics.unmatchedGroundTruth == [0])
  let detkit = try ATSSAssigner().assign(groundTruth: gt, anchors: anchors, levelCounts: [2])
  // IoU with anchor 0: 24 / (100 + 36 - 24) = 0.214; with anchor 1: 12 / 124 = 0.097.
  #expect(detkit.matches == [0, -1])
}
