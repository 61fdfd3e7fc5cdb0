import DetGeometry
import DetMatching
import Foundation
import Testing

/// Every case of fixtures/golden/matching.json (torchvision's real Matcher and box_iou,
/// detectron2 / mmdetection / Detectron re-implementations) under every setting.
@Test func denseMatcherReproducesEveryPeerOnGoldenCases() throws {
  let golden = try Golden.load("matching.json")
  let cases = golden["cases"] as! [[String: Any]]
  #expect(cases.count == 40)
  var compared = 0
  for (index, c) in cases.enumerated() {
    let anchors = Golden.boxes(c["anchors"])
    let gt = Golden.boxes(c["gt"])
    let regions = Golden.boxes(c["ignore"])
    for r in c["results"] as! [[String: Any]] {
      let high = (r["high"] as! NSNumber).floatValue
      let low = (r["low"] as! NSNumber).floatValue
      let lq = r["lq"] as! Bool
      var policies: [(String, MatchPolicy, Float?)] = [
        ("torchvision", .torchvision, nil), ("detectron2", .detectron2, nil),
        ("mmdetection", .mmdetection, nil),
        ("mmdetection_min_pos_0.3", .mmdetection(minPositiveIoU: 0.3, assignsAllTies: true), nil),
        ("mmdetection_first_only", .mmdetection(minPositiveIoU: 0, assignsAllTies: false), nil),
      ]
      if r["detectron"] != nil { policies.append(("detectron", .detectron, nil)) }
      if r["mmdetection_ignore_0.5"] != nil {
        policies.append(("mmdetection_ignore_0.5", .mmdetection, 0.5))
      }
      for (key, policy, iof) in policies {
        let matcher = IoUMatcher(
          high: high, low: low, allowsLowQualityMatches: lq, policy: policy, ignoreIoFThreshold: iof
        )
        let result = try matcher.match(groundTruth: gt, anchors: anchors, ignoreRegions: regions)
        #expect(
          result.matches == Golden.ints(r[key]),
          "case \(index) \(key) high \(high) low \(low) lq \(lq)")
        compared += 1
      }
      let best = (r["best_iou"] as! [NSNumber]).map { $0.floatValue }
      let result = try IoUMatcher(
        high: high, low: low, allowsLowQualityMatches: lq, policy: .torchvision
      )
      .match(groundTruth: gt, anchors: anchors)
      #expect(result.statistics.bestIoU == best, "case \(index) best IoU")
    }
  }
  #expect(compared > 600)
}

/// The box path and the matrix path agree when the matrix holds the same IoUs.
@Test(arguments: 0..<50)
func boxPathEqualsMatrixPath(seed: UInt64) throws {
  var rng = TestRNG(seed: seed)
  let anchors = rng.boxes(count: Int(rng.next() % 40) + 1, span: 30, integer: seed % 2 == 0)
  let gt = rng.boxes(count: Int(rng.next() % 6), span: 30, integer: seed % 2 == 0)
  let matrix = pairwiseIoU(gt, anchors)
  for policy in [
    MatchPolicy.torchvision, .mmdetection, .mmdetection(minPositiveIoU: 0, assignsAllTies: false),
    .detectron, .detkit,
  ] {
    let matcher = IoUMatcher(high: 0.6, low: 0.3, allowsLowQualityMatches: true, policy: policy)
    let viaBoxes = try matcher.match(groundTruth: gt, anchors: anchors)
    let viaMatrix = matcher.match(
      iouMatrix: matrix, groundTruthCount: gt.count, anchorCount: anchors.count)
    #expect(viaBoxes == viaMatrix, "seed \(seed) \(policy)")
  }
}
