import DetGeometry
import Testing

@Test func boxArrayIsRowMajorXYXY() {
  let boxes = BoxArray([Box(x1: 1, y1: 2, x2: 3, y2: 4), Box(x1: 5, y1: 6, x2: 7, y2: 8)])
  #expect(boxes.count == 2)
  #expect(boxes.values == [1, 2, 3, 4, 5, 6, 7, 8])
  #expect(boxes[1] == Box(x1: 5, y1: 6, x2: 7, y2: 8))
}

@Test func boxArraySubscriptWritesInPlace() {
  var boxes = BoxArray(zeros: 2)
  boxes[1] = Box(x1: -1, y1: -2, x2: 3, y2: 4)
  #expect(boxes.values == [0, 0, 0, 0, -1, -2, 3, 4])
}

@Test(arguments: [
  (Box(x1: 0, y1: 0, x2: 2, y2: 3), false, Float(6)),
  (Box(x1: 0, y1: 0, x2: 0, y2: 3), true, Float(0)),
  (Box(x1: 2, y1: 0, x2: 1, y2: 3), true, Float(0)),
  (Box(x1: .nan, y1: 0, x2: 1, y2: 3), true, Float(0)),
  (Box(x1: 0, y1: 0, x2: .infinity, y2: 3), true, Float(0)),
])
func degenerateBoxesHaveNoArea(box: Box, degenerate: Bool, area: Float) {
  #expect(box.isDegenerate == degenerate)
  #expect(box.area == area)
}

@Test func imageSizeParsesHeightFirst() {
  #expect(ImageSize(parsing: "800x1344") == ImageSize(height: 800, width: 1344))
  #expect(ImageSize(parsing: "800X1344") == ImageSize(height: 800, width: 1344))
  for bad in ["800", "0x10", "-1x5", "axb", "10x10x10", ""] {
    #expect(ImageSize(parsing: bad) == nil, "\(bad)")
  }
}
