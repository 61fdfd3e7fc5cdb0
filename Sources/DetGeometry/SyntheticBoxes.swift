/// Deterministic synthetic ground-truth boxes for benchmarks and demos, reproducible bit for
/// bit by `tools/peer_bench.py` (`gt_boxes`).
///
/// Generator: SplitMix64 seeded with `seed`; `u() = Double(next() >> 11) * 2^-53` in
/// `[0, 1)`. Each box takes five draws `u0...u4`:
/// - side `s`: `u0 < 0.41` → `[8, 32)`, `u0 < 0.75` → `[32, 96)`, else `[96, 512)`
///   (COCO's small / medium / large shares), `s = lo + (hi - lo) * u1`;
/// - `f = 0.7 + 0.6 * u2`, `w = min(s * f, W - 1)`, `h = min(s / f, H - 1)` (so height /
///   width is `1 / f²`, between about 0.59 and 2.04, unless clipped);
/// - `x1 = u3 * (W - w)`, `y1 = u4 * (H - h)`, box `Float(x1, y1, x1 + w, y1 + h)`.
///
/// Only `+ - * /` and `min` on `Double` are used, so every IEEE platform (and Python)
/// produces the same bits. Every box lies inside the image; on a 1-pixel side it has zero
/// extent along that side (`min(…, 0)`), which makes it degenerate.
public enum SyntheticBoxes {
  /// `count` COCO-like boxes inside `image` (see ``SyntheticBoxes``).
  ///
  /// - Precondition: `count >= 0`.
  /// - Complexity: O(`count`).
  public static func cocoLike(count: Int, in image: ImageSize, seed: UInt64) -> BoxArray {
    precondition(count >= 0, "box count must be non-negative, got \(count)")
    var rng = SplitMix64(state: seed)
    let width = Double(image.width)
    let height = Double(image.height)
    var boxes = BoxArray()
    for _ in 0..<count {
      let u0 = rng.uniform()
      let u1 = rng.uniform()
      let u2 = rng.uniform()
      let u3 = rng.uniform()
      let u4 = rng.uniform()
      let (lo, hi): (Double, Double) = u0 < 0.41 ? (8, 32) : u0 < 0.75 ? (32, 96) : (96, 512)
      let s = lo + (hi - lo) * u1
      let f = 0.7 + 0.6 * u2
      let w = min(s * f, width - 1)
      let h = min(s / f, height - 1)
      let x1 = u3 * (width - w)
      let y1 = u4 * (height - h)
      boxes.append(Box(x1: Float(x1), y1: Float(y1), x2: Float(x1 + w), y2: Float(y1 + h)))
    }
    return boxes
  }

  /// SplitMix64 (Steele, Lea, Flood 2014): the 64-bit generator of ``SyntheticBoxes``, and
  /// the one generator of the package (the matcher's `SeededGenerator`, the fuzz driver and
  /// the property tests use it too).
  package struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    package var state: UInt64

    package init(state: UInt64) { self.state = state }

    package mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }

    /// `Double(next() >> 11) * 2^-53`, uniform in `[0, 1)`.
    package mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
  }
}
