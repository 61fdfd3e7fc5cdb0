import DetGeometry
import Testing

/// The 2x2 torchvision grid on 64x64: [-8,-8,8,8], [24,-8,40,8], [-8,24,8,40], [24,24,40,40].
private let grid = AnchorGenerator(
  levels: [.init(name: "P5", stride: 32, size: 16)], aspectRatios: [1], compatibility: .torchvision
).anchors(for: ImageSize(height: 64, width: 64))

@Test func strictStraddleKeepsOnlyInteriorAnchors() {
  #expect(grid.visibleMask() == [false, false, false, true])
  #expect(grid.visibleIndices() == [3])
}

@Test func toleranceAdmitsAnchorsOverhangingByThatMuch() {
  #expect(grid.visibleMask(tolerance: 8) == [true, true, true, true])
  #expect(grid.visibleMask(tolerance: 7.5) == [false, false, false, true])
  #expect(grid.visibleMask(tolerance: .infinity).allSatisfy { $0 })
}

/// py-faster-rcnn keeps x2 < W: an anchor touching the right edge exactly is out.
@Test func rightAndBottomBoundsAreStrict() {
  let edge = AnchorGrid(
    image: ImageSize(height: 10, width: 10),
    boxes: BoxArray(flat: [0, 0, 10, 5, 0, 0, 5, 10, 0, 0, 9.5, 9.5, .nan, 0, 1, 1]), levels: [])
  #expect(edge.visibleMask() == [false, false, true, false])
  #expect(edge.visibleMask(tolerance: 1) == [true, true, true, false])
}

@Test func wFPNVisibleCountIsBelowTheTotal() {
  let w = AnchorGenerator.fpn().anchors(for: ImageSize(height: 800, width: 1344))
  let visible = w.visibleIndices().count
  #expect(visible > 0 && visible < w.count)
  #expect(w.visibleIndices(tolerance: 1e9).count == w.count)
}
