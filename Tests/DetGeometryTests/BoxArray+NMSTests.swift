import DetGeometry
import Testing

/// fixtures/golden/boxes_nms.json: torchvision.ops.nms on float32 boxes with tied scores.
private struct NMSGolden: Decodable {
  struct Case: Decodable {
    var boxes: [Float]
    var scores: [Float]
    // swift-format-ignore: AlwaysUseLowerCamelCase
    var iou_threshold: Double
    var keep: [Int]
  }
  var cases: [Case]
}

@Test func nmsMatchesTorchvision() throws {
  let golden = try loadBoxGolden("boxes_nms.json", as: NMSGolden.self)
  #expect(golden.cases.count == 9)
  for (k, c) in golden.cases.enumerated() {
    let keep = BoxArray(flat: c.boxes).nonMaximumSuppression(
      scores: c.scores, iouThreshold: c.iou_threshold)
    #expect(keep == c.keep, "case \(k)")
  }
}

@Test func nmsKeepsTheLowerIndexOnTiesAndSuppressesOnlyAboveTheThreshold() {
  let boxes = BoxArray([
    Box(x1: 0, y1: 0, x2: 10, y2: 10),
    Box(x1: 0, y1: 0, x2: 10, y2: 10),  // identical, same score: index 0 wins
    Box(x1: 0, y1: 0, x2: 10, y2: 20),  // IoU 0.5 with box 0: kept at threshold 0.5
    Box(x1: 50, y1: 50, x2: 60, y2: 60),
  ])
  #expect(
    boxes.nonMaximumSuppression(scores: [0.9, 0.9, 0.8, 0.1], iouThreshold: 0.5) == [0, 2, 3])
  #expect(boxes.nonMaximumSuppression(scores: [0.9, 0.9, 0.8, 0.1], iouThreshold: 0.4) == [0, 3])
  #expect(BoxArray().nonMaximumSuppression(scores: [], iouThreshold: 0.5).isEmpty)
}

@Test func nmsSortsNaNScoresLast() {
  let boxes = BoxArray([Box(x1: 0, y1: 0, x2: 1, y2: 1), Box(x1: 5, y1: 5, x2: 6, y2: 6)])
  #expect(boxes.nonMaximumSuppression(scores: [.nan, 0.2], iouThreshold: 0.5) == [1, 0])
}
