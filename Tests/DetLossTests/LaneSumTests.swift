import Testing

@testable import DetLoss

/// `FloatLanes.halvingSum` adds in the documented order, whose result differs from other
/// orders once the lanes span many magnitudes.
struct LaneSumTests {
  /// The documented tree, written out lane by lane.
  static func tree(_ v: FloatLanes) -> Float {
    let eight = (0..<8).map { v[$0] + v[$0 + 8] }
    let four = (0..<4).map { eight[$0] + eight[$0 + 4] }
    return (four[0] + four[2]) + (four[1] + four[3])
  }

  @Test func addsHalvesOfHalves() {
    var rng = SplitMix64(state: 3)
    var differsFromLeftToRight = 0
    for _ in 0..<20_000 {
      var v = FloatLanes()
      // Magnitudes from 2^-30 to 2^30, both signs: most orders round differently.
      for lane in 0..<16 {
        let exponent = Int(rng.next() % 61) - 30
        let sign: Float = rng.next() % 2 == 0 ? 1 : -1
        v[lane] =
          sign * Float(sign: .plus, exponent: exponent, significand: Float(rng.uniform() + 1))
      }
      #expect(v.halvingSum.bitPattern == Self.tree(v).bitPattern, "\(v)")
      if v.halvingSum != v.sum() { differsFromLeftToRight += 1 }
    }
    // The inputs do tell orders apart: `sum()` (left to right) disagrees on many of them.
    #expect(differsFromLeftToRight > 1_000)
    // 1 + 2^-24 + 2^-24: the tree adds lanes 4 and 12 first (2^-23, kept by 1); left to
    // right, each 2^-24 is a tie that rounds back to 1.
    var halves = FloatLanes()
    halves[0] = 1
    halves[4] = 0x1p-24
    halves[12] = 0x1p-24
    #expect(halves.halvingSum == 1 + 0x1p-23)
    #expect(halves.sum() == 1)
  }
}
