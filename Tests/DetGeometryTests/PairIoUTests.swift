import Testing

@testable import DetGeometry

/// Hand-computed cases of the scalar helper that matchers call in their own loops.
@Test func pairIoUKnownValues() {
  let p = Box(x1: 0, y1: 0, x2: 10, y2: 10)
  #expect(pairIoU(p, Box(x1: 5, y1: 5, x2: 20, y2: 15)) == Float(25) / Float(225))
  #expect(pairIoU(p, p) == 1)
  #expect(pairIoU(p, Box(x1: 10, y1: 0, x2: 20, y2: 10)) == 0)  // touching edges
  #expect(pairIoU(p, Box(x1: 2, y1: 2, x2: 4, y2: 4)) == Float(4) / Float(100))  // nested
  let point = Box(x1: 3, y1: 3, x2: 3, y2: 3)
  #expect(pairIoU(point, point) == 0)  // torchvision: NaN
}

@Test func pairIoUWithAreasEqualsTheTwoArgumentForm() {
  var rng = SyntheticBoxes.SplitMix64(state: 3)
  let boxes = randomBoxes(64, using: &rng)
  for i in 0..<32 {
    let (a, b) = (boxes[i], boxes[63 - i])
    let areaA = (a.x2 - a.x1) * (a.y2 - a.y1)
    let areaB = (b.x2 - b.x1) * (b.y2 - b.y1)
    #expect(pairIoU(a, area: areaA, b, area: areaB) == pairIoU(a, b))
  }
}
