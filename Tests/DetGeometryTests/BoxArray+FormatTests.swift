import DetGeometry
import Testing

@Test func convertsFromEveryFormat() {
  // One box, x 2..6, y 1..9, in each layout.
  let expected: [Float] = [2, 1, 6, 9]
  #expect(BoxArray(converting: [2, 1, 6, 9], from: .xyxy).values == expected)
  #expect(BoxArray(converting: [2, 1, 4, 8], from: .xywh).values == expected)
  #expect(BoxArray(converting: [4, 5, 4, 8], from: .cxcywh).values == expected)
}

@Test func convertsToEveryFormat() {
  let boxes = BoxArray([Box(x1: 2, y1: 1, x2: 6, y2: 9), Box(x1: -1, y1: -1, x2: 0, y2: 2)])
  #expect(boxes.converted(to: .xyxy) == [2, 1, 6, 9, -1, -1, 0, 2])
  #expect(boxes.converted(to: .xywh) == [2, 1, 4, 8, -1, -1, 1, 3])
  #expect(boxes.converted(to: .cxcywh) == [4, 5, 4, 8, -0.5, 0.5, 1, 3])
}

/// Integer-valued coordinates (exact in Float) survive every round trip bit for bit; random
/// ones within a rounding of their magnitude.
@Test(arguments: 0..<5)
func formatRoundTrips(seed: UInt64) {
  var rng = SyntheticBoxes.SplitMix64(state: seed)
  let boxes = randomBoxes(200, using: &rng)
  let integral = BoxArray(flat: boxes.values.map { $0.rounded() })
  for format in BoxFormat.allCases {
    #expect(
      BoxArray(converting: integral.converted(to: format), from: format) == integral, "\(format)")
    let back = BoxArray(converting: boxes.converted(to: format), from: format)
    for (x, y) in zip(back.values, boxes.values) {
      #expect(abs(x - y) <= 2 * max(abs(y), 300).ulp, "\(format)")
    }
  }
}

@Test func emptyConversions() {
  #expect(BoxArray(converting: [], from: .cxcywh).isEmpty)
  #expect(BoxArray().converted(to: .xywh).isEmpty)
}
