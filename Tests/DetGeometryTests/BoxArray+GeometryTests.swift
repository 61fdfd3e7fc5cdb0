import DetGeometry
import Testing

private let sample = BoxArray([
  Box(x1: 0, y1: 0, x2: 4, y2: 3),  // valid, area 12
  Box(x1: 5, y1: 5, x2: 5, y2: 9),  // zero width
  Box(x1: 9, y1: 1, x2: 2, y2: 8),  // inverted
  Box(x1: -10, y1: 20, x2: 700, y2: 500),  // crosses the image border
  Box(x1: .nan, y1: 0, x2: 1, y2: 1),  // NaN
])

@Test func areasFollowBoxArea() {
  #expect(sample.areas == [12, 0, 0, 710 * 480, 0])
  #expect(BoxArray().areas.isEmpty)
}

@Test func degenerateMaskAndIndices() {
  #expect(sample.degenerateMask == [false, true, true, false, true])
  #expect(sample.degenerateIndices == [1, 2, 4])
}

@Test func clippingClampsToTheImage() {
  let clipped = sample.clipped(to: ImageSize(height: 480, width: 640))
  #expect(clipped[0] == sample[0])
  #expect(clipped[3] == Box(x1: 0, y1: 20, x2: 640, y2: 480))
  #expect(clipped[4].x1.isNaN)
  // A box wholly outside collapses onto the border and becomes degenerate.
  let outside = BoxArray([Box(x1: 700, y1: 10, x2: 800, y2: 20)]).clipped(
    to: ImageSize(height: 480, width: 640))
  #expect(outside[0] == Box(x1: 640, y1: 10, x2: 640, y2: 20))
  #expect(outside.degenerateIndices == [0])
}

@Test func scalingMultipliesEachAxis() {
  let boxes = BoxArray([Box(x1: 10, y1: 20, x2: 30, y2: 40)])
  #expect(boxes.scaled(x: 2, y: 0.5)[0] == Box(x1: 20, y1: 10, x2: 60, y2: 20))
  #expect(boxes.scaled(x: 1, y: 1) == boxes)
}
