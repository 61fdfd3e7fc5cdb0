import DetGeometry
import Testing

/// The documented contract of AnchorLevel, over random configurations in every mode: the
/// ranges tile the array, `index(y:x:type:)` is the documented formula, and every anchor
/// is its cell anchor shifted by `centerOffset + x * strideX`, `centerOffset + y * strideY`.
@Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
func levelContractHoldsForRandomConfigurations(seed: UInt64) {
  var rng = SyntheticBoxes.SplitMix64(state: seed)
  for mode in AnchorGenerator.Compatibility.allCases {
    let levelCount = Int.random(in: 1...3, using: &rng)
    let levels = (0..<levelCount).map {
      AnchorGenerator.Level(
        name: "L\($0)", stride: Int.random(in: 2...40, using: &rng),
        size: Double(Int.random(in: 8...300, using: &rng)))
    }
    let offset =
      mode == .detectron2 || mode == .mmdetection ? Double.random(in: 0..<1, using: &rng) : 0
    let g = AnchorGenerator(
      levels: levels,
      aspectRatios: (0..<Int.random(in: 1...3, using: &rng)).map { _ in
        .random(in: 0.25...4, using: &rng)
      },
      scales: (0..<Int.random(in: 1...3, using: &rng)).map { _ in .random(in: 0.5...2, using: &rng)
      },
      centerOffset: offset, compatibility: mode, scaleMajor: Bool.random(using: &rng))
    let image = ImageSize(
      height: Int.random(in: 1...300, using: &rng), width: Int.random(in: 1...300, using: &rng))
    let grid = g.anchors(for: image)
    #expect(grid.count == g.anchorCount(for: image))
    var next = 0
    for level in grid.levels {
      #expect(level.range.lowerBound == next)
      #expect(level.range.count == level.rows * level.columns * g.typesPerCell)
      next = level.range.upperBound
      for _ in 0..<20 {
        let y = Int.random(in: 0..<level.rows, using: &rng)
        let x = Int.random(in: 0..<level.columns, using: &rng)
        let k = Int.random(in: 0..<level.typesPerCell, using: &rng)
        let i = level.index(y: y, x: x, type: k)
        #expect(i == level.range.lowerBound + (y * level.columns + x) * level.typesPerCell + k)
        let anchor = grid.boxes[i]
        let cell = level.cellAnchors[k]
        let sx = level.centerOffset + Float(x) * level.strideX
        let sy = level.centerOffset + Float(y) * level.strideY
        // One Float rounding of each sum (coordinates stay below 2^12 here).
        let tolerance: Float = 1e-3
        #expect(abs(anchor.x1 - (cell.x1 + sx)) <= tolerance, "\(mode) \(level.name)")
        #expect(abs(anchor.y1 - (cell.y1 + sy)) <= tolerance, "\(mode) \(level.name)")
        #expect(abs(anchor.x2 - (cell.x2 + sx)) <= tolerance, "\(mode) \(level.name)")
        #expect(abs(anchor.y2 - (cell.y2 + sy)) <= tolerance, "\(mode) \(level.name)")
      }
    }
    #expect(next == grid.count)
  }
}
