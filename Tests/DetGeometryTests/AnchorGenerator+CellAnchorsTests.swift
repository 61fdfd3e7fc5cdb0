import DetGeometry
import Testing

/// REFERENCE.md's verified / re-implemented vectors, checked directly (no golden file).
@Test func torchvisionFPNCellAnchorsAreRoundedHalfExtents() {
  // TV1: AnchorGenerator(((32,),), ((0.5, 1, 2),)).cell_anchors[0]
  let g = AnchorGenerator.fpn(compatibility: .torchvision)
  #expect(
    g.cellAnchors(ofLevel: 0).values == [-23, -11, 23, 11, -16, -16, 16, 16, -11, -23, 11, 23])
}

@Test func torchvisionRetinaNetP3UsesTruncatedSizesRatioMajor() {
  let g = AnchorGenerator.retinanet(compatibility: .torchvision)
  let expected: [Float] = [
    -23, -11, 23, 11, -28, -14, 28, 14, -35, -18, 35, 18, -16, -16, 16, 16, -20, -20, 20, 20,
    -25, -25, 25, 25, -11, -23, 11, 23, -14, -28, 14, 28, -18, -35, 18, 35,
  ]
  #expect(g.cellAnchors(ofLevel: 0).values == expected)
}

@Test func torchvisionRoundsASizeOf45ToA44PixelSquare() {
  let g = AnchorGenerator(
    levels: [.init(name: "P3", stride: 8, size: 45)], aspectRatios: [1], compatibility: .torchvision
  )
  #expect(g.cellAnchors(ofLevel: 0).values == [-22, -22, 22, 22])
}

@Test func detectron2KeepsUnroundedExtentsSizeMajor() {
  let g = AnchorGenerator(
    levels: [.init(name: "P2", stride: 4, size: 32)], aspectRatios: [0.5, 1, 2], scales: [1, 2])
  let cell = g.cellAnchors(ofLevel: 0)
  #expect(g.typeOrder == .sizeMajor)
  // Size 32 first (three ratios), then size 64.
  #expect(cell[0] == Box(x1: -22.627417, y1: -11.313708, x2: 22.627417, y2: 11.313708))
  #expect(cell[1] == Box(x1: -16, y1: -16, x2: 16, y2: 16))
  #expect(cell[2] == Box(x1: -11.313708, y1: -22.627417, x2: 11.313708, y2: 22.627417))
  #expect(cell[4] == Box(x1: -32, y1: -32, x2: 32, y2: 32))
}

@Test func pyFasterRCNNTableFromTheLegacyMode() {
  // base 16, ratios (.5, 1, 2), scales (8, 16, 32): the well-known 9 anchors.
  let g = AnchorGenerator(
    levels: [.init(name: "C4", stride: 16, size: 16)], aspectRatios: [0.5, 1, 2],
    scales: [8, 16, 32],
    compatibility: .detectronLegacy)
  let expected: [Float] = [
    -84, -40, 99, 55, -176, -88, 191, 103, -360, -184, 375, 199, -56, -56, 71, 71, -120, -120, 135,
    135, -248, -248, 263, 263, -36, -80, 51, 95, -80, -168, 95, 183, -168, -344, 183, 359,
  ]
  let grid = g.anchors(for: ImageSize(height: 16, width: 16))
  #expect(grid.boxes.values == expected)
  // Centred at 0: shifted by the legacy centre (16 - 1) / 2.
  #expect(grid.levels[0].centerOffset == 7.5)
  #expect(g.cellAnchors(ofLevel: 0)[0] == Box(x1: -91.5, y1: -47.5, x2: 91.5, y2: 47.5))
}

@Test func detectronFPNP2AndRetinaNetOctaveOne() {
  let fpn = AnchorGenerator.fpn(compatibility: .detectronLegacy).anchors(
    for: ImageSize(height: 4, width: 4))
  #expect(
    Array(fpn.boxes.values[0..<12]) == [-22, -10, 25, 13, -14, -14, 17, 17, -10, -22, 13, 25])
  let retina = AnchorGenerator.retinanet(compatibility: .detectronLegacy)
    .anchors(for: ImageSize(height: 8, width: 8))
  // Ratio-major: type 1 is ratio 0.5 at octave 1; REFERENCE gives 3 decimals.
  let box = retina.boxes[1]
  let expected: [Float] = [-23.718, -11.119, 30.718, 18.119]
  for (a, b) in zip([box.x1, box.y1, box.x2, box.y2], expected) { #expect(abs(a - b) < 1e-3) }
}

@Test func mmdetectionCentreOffsetMovesTheCellAnchorsNotTheirShape() {
  let plain = AnchorGenerator.fpn(compatibility: .mmdetection)
  let centred = AnchorGenerator.fpn(compatibility: .mmdetection, centerOffset: 0.5)
  #expect(plain.typeOrder == .ratioMajor)
  // Reported cell anchors are centred at 0 either way; the grid moves by 0.5 * stride.
  #expect(plain.cellAnchors(ofLevel: 0) == centred.cellAnchors(ofLevel: 0))
  let a = plain.anchors(for: ImageSize(height: 4, width: 4)).boxes[0]
  let b = centred.anchors(for: ImageSize(height: 4, width: 4)).boxes[0]
  #expect(b.x1 - a.x1 == 2 && b.y2 - a.y2 == 2)
  var sizeMajor = plain
  sizeMajor.scaleMajor = false
  #expect(sizeMajor.typeOrder == .sizeMajor)
}

@Test(arguments: AnchorGenerator.Compatibility.allCases)
func ratiosAreHeightOverWidth(mode: AnchorGenerator.Compatibility) {
  let g = AnchorGenerator(
    levels: [.init(name: "P4", stride: 16, size: 128)], aspectRatios: [2], compatibility: mode)
  let box = g.cellAnchors(ofLevel: 0)[0]
  #expect(box.height > 1.9 * box.width && box.height < 2.1 * box.width, "\(mode)")
}
