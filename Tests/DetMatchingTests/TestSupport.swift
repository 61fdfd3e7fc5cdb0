import DetGeometry

/// SplitMix64, so every seeded property test draws the same values on every platform.
struct TestRNG: RandomNumberGenerator {
  private var base: SyntheticBoxes.SplitMix64
  init(seed: UInt64) { base = SyntheticBoxes.SplitMix64(state: seed &+ 0x9E37_79B9_7F4A_7C15) }

  mutating func next() -> UInt64 { base.next() }

  mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
    lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
  }

  /// `count` valid boxes with corners in about `[-span/5, span]`, integer corners when asked
  /// (integers make exact IoU ties common).
  mutating func boxes(
    count: Int, span: Float, integer: Bool, minSide: Float = 1, maxSide: Float? = nil
  ) -> BoxArray {
    var out = BoxArray()
    for _ in 0..<count {
      var x1 = uniform(-span / 5, span)
      var y1 = uniform(-span / 5, span)
      var w = uniform(minSide, maxSide ?? span)
      var h = uniform(minSide, maxSide ?? span)
      if integer {
        x1.round()
        y1.round()
        w = max(1, w.rounded())
        h = max(1, h.rounded())
      }
      out.append(Box(x1: x1, y1: y1, x2: x1 + w, y2: y1 + h))
    }
    return out
  }
}
