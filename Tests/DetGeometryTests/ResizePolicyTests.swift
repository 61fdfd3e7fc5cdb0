import DetGeometry
import Foundation
import Testing

/// fixtures/golden/resize.json: torchvision's GeneralizedRCNNTransform run for real, and
/// detectron2's ResizeShortestEdge re-implemented (tools/golden_resize.py).
private struct ResizeGolden: Decodable {
  struct Peer: Decodable {
    var size: [Int]
    var canvas: [Int]
    var boxes: [[Float]]
  }
  struct Case: Decodable {
    var image: [Int]
    var boxes: [[Float]]
    var torchvision: Peer
    var detectron2: Peer
  }
  var cases: [Case]

  static func load() throws -> ResizeGolden {
    var root = URL(fileURLWithPath: #filePath)
    while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path)
    {
      root.deleteLastPathComponent()
    }
    let data = try Data(contentsOf: root.appendingPathComponent("fixtures/golden/resize.json"))
    return try JSONDecoder().decode(ResizeGolden.self, from: data)
  }
}

@Test(arguments: [ResizePolicy.Style.torchvision, .detectron2])
func resizeMatchesPeerBitForBit(style: ResizePolicy.Style) throws {
  let golden = try ResizeGolden.load()
  #expect(golden.cases.count >= 10)
  let policy = style == .torchvision ? ResizePolicy.torchvision : .detectron2
  for c in golden.cases {
    let image = ImageSize(height: c.image[0], width: c.image[1])
    let peer = style == .torchvision ? c.torchvision : c.detectron2
    let resized = policy.resizedSize(of: image)
    #expect([resized.height, resized.width] == peer.size, "\(image)")
    let canvas = policy.canvasSize(of: image)
    #expect([canvas.height, canvas.width] == peer.canvas, "\(image)")
    let boxes = policy.resize(BoxArray(flat: c.boxes.flatMap { $0 }), from: image)
    // Exact: both paths reproduce the peer's arithmetic (Float ratios / Double products).
    #expect(boxes.values == peer.boxes.flatMap { $0 }, "\(style) boxes for \(image)")
  }
}

@Test func cocoImagePadsToTheWFPNCanvas() {
  #expect(
    ResizePolicy.torchvision.canvasSize(of: ImageSize(height: 480, width: 640))
      == ImageSize(height: 800, width: 1088))
  #expect(
    ResizePolicy.torchvision.canvasSize(of: ImageSize(height: 800, width: 1333))
      == ImageSize(height: 800, width: 1344))
}

@Test func paddingWithDivisibilityOneKeepsTheSize() {
  let policy = ResizePolicy(sizeDivisibility: 1, style: .detectron2)
  #expect(
    policy.paddedSize(of: ImageSize(height: 37, width: 53)) == ImageSize(height: 37, width: 53))
}
