import DetGeometry
import DetPipeline
import Foundation
import Testing

/// fixtures/golden/batches/mmdetection_resize.json: mmcv's `rescale_size` (1333, 800) and
/// mmdetection's `HorizontalBoxes.rescale_` / `clip_` / `flip_`, run for real
/// (tools/golden_batches.py).
private struct MMResizeGolden: Decodable {
  struct Case: Decodable {
    var image: [Int]
    var boxes: [[Float]]
    var size: [Int]
    var resized: [[Float]]
    var flipped: [[Float]]
  }
  var cases: [Case]
}

@Test func mmdetectionResizeAndFlipEqualMMCVAndMMDetBitForBit() throws {
  let data = try Data(
    contentsOf: BatchGolden.root.appendingPathComponent("mmdetection_resize.json"))
  let golden = try JSONDecoder().decode(MMResizeGolden.self, from: data)
  #expect(golden.cases.count >= 10)
  for c in golden.cases {
    let image = ImageSize(height: c.image[0], width: c.image[1])
    let resized = ResizePolicy.mmdetection.resizedSize(of: image)
    #expect([resized.height, resized.width] == c.size, "\(image)")
    let boxes = BoxArray(flat: c.boxes.flatMap { $0 })
    #expect(
      ResizePolicy.mmdetection.resize(boxes, from: image).values == c.resized.flatMap { $0 },
      "resize \(image)")
    #expect(
      DetectorFramework.mmdetection.map(boxes, from: image, to: resized, flipped: false).values
        == c.resized.flatMap { $0 }, "map \(image)")
    #expect(
      DetectorFramework.mmdetection.map(boxes, from: image, to: resized, flipped: true).values
        == c.flipped.flatMap { $0 }, "flip \(image)")
  }
}
