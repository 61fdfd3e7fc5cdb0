import DetStore
import Testing

@Test func conventionsInvertExactly() {
  let object = VOCObject(name: "a", xmin: 1, ymin: 1, xmax: 500, ymax: 375)
  let c = VOCBoxConvention.oneBasedInclusive.corners(of: object)
  // A box covering a whole 500x375 image spans [0, 500] x [0, 375].
  #expect(c.x1 == 0 && c.y1 == 0 && c.x2 == 500 && c.y2 == 375)
  for convention in VOCBoxConvention.allCases {
    let c = convention.corners(of: object)
    let v = convention.vocValues(x1: c.x1, y1: c.y1, x2: c.x2, y2: c.y2)
    #expect(
      v.xmin == object.xmin && v.ymin == object.ymin && v.xmax == object.xmax
        && v.ymax == object.ymax)
  }
  let w = VOCBoxConvention.asWritten.corners(of: object)
  #expect(w.x1 == 1 && w.x2 == 500)
}
