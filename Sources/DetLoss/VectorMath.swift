/// Lane-wise `exp`, `log` and `log1p` for 8 `Float` lanes, the kernels under the sigmoid
/// focal loss.
///
/// Accuracy (measured against `Double` by `VectorMathTests` on a dense sweep of every
/// range the losses use, and asserted there):
/// - ``exp(_:)`` on [-87.3, 88.7]: relative error at most 2 ulp (2.4e-7); below
///   -87.33 (where `e^x` < `Float.leastNormalMagnitude`) the result is 0 instead of a
///   subnormal, an absolute error below 1.2e-38. `-inf` gives 0.
/// - ``log1p(_:)`` on 0 and [`Float.leastNormalMagnitude`, 1] (the values `u = e^-|x|`
///   takes, since ``exp(_:)`` never returns a subnormal): relative error at most 3 ulp
///   (3.6e-7), exactly 0 at 0.
/// - ``log(_:)`` on [`Float.leastNormalMagnitude`, `Float.greatestFiniteMagnitude`]:
///   absolute error at most 2.4e-7 + 2 ulp of the result.
///
/// The algorithms are the classic Cephes single-precision ones (range reduction by
/// `ln 2` with a two-part constant and a degree-6 polynomial for `exp`; mantissa in
/// [sqrt(1/2), sqrt(2)) and a degree-8 polynomial for `log`), and for `log1p` on
/// [0, 1] the odd series `log1p(u) = 2 atanh(s)`, `s = u / (2 + u)` in [0, 1/3], with a
/// least-squares polynomial in `s^2` (approximation error 4.3e-10, far under Float
/// rounding). No branches: every lane takes the same path.
typealias FloatLanes = SIMD8<Float>

enum VectorMath {
  /// `e^x` for each lane.
  ///
  /// - Complexity: O(1), about 15 vector operations.
  @inline(__always)
  static func exp(_ x: FloatLanes) -> FloatLanes {
    let underflow = x .< -87.33654
    // Selects rather than `clamped`, whose generic min / max are not inlined.
    var xc = x.replacing(with: -87.33654, where: underflow)
    xc = xc.replacing(with: 88.72283, where: xc .> 88.72283)
    // n = round(x / ln 2) using the 1.5 * 2^23 trick: the sum's low mantissa bits hold n.
    let magic: Float = 12_582_912
    let shifted = xc * 1.442_695_04 + magic
    let n = shifted - magic
    var r = xc - n * 0.693_359_375
    r = r - n * -2.121_944_4e-4
    let r2 = r * r
    var poly = FloatLanes(repeating: 1.987_569_15e-4)
    poly = poly * r + 1.398_199_95e-3
    poly = poly * r + 8.333_451_9e-3
    poly = poly * r + 4.166_579_6e-2
    poly = poly * r + 1.666_666_55e-1
    poly = poly * r + 5.000_000_1e-1
    let er = poly * r2 + r + 1
    // 2^n from the integer in the low bits of `shifted`: (n + 127) << 23.
    let bits = unsafeBitCast(shifted, to: SIMD8<UInt32>.self)
    let nInt = unsafeBitCast(bits &- unsafeBitCast(FloatLanes(repeating: magic), to: SIMD8<UInt32>.self), to: SIMD8<Int32>.self)
    // n is in [-126, 128]; 2^n = 2^(n >> 1) * 2^(n - n >> 1) keeps both factors normal.
    let half = nInt &>> 1
    let scaleLow = unsafeBitCast((half &+ 127) &<< 23, to: FloatLanes.self)
    let scaleHigh = unsafeBitCast((nInt &- half &+ 127) &<< 23, to: FloatLanes.self)
    let result = er * scaleLow * scaleHigh
    return result.replacing(with: 0, where: underflow)
  }

  /// `ln(1 + u)` for each lane, for `u` in [0, 1].
  ///
  /// - Complexity: O(1), one division and 6 multiply-adds.
  @inline(__always)
  static func log1p(_ u: FloatLanes) -> FloatLanes {
    let s = u / (2 + u)
    let z = s * s
    var poly = FloatLanes(repeating: 0.231_174_42)
    poly = poly * z + 0.217_322_5
    poly = poly * z + 0.285_903_5
    poly = poly * z + 0.399_997_6
    poly = poly * z + 0.666_666_67
    return 2 * s + s * z * poly
  }

  /// `ln x` for each lane, for positive normal finite `x`.
  ///
  /// - Complexity: O(1), about 20 vector operations.
  @inline(__always)
  static func log(_ x: FloatLanes) -> FloatLanes {
    let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
    // Exponent and mantissa in [0.5, 1).
    var e = FloatLanes(SIMD8<Int32>(truncatingIfNeeded: (bits &>> 23) & 0xFF) &- 126)
    var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F00_0000, to: FloatLanes.self)
    let small = m .< 0.707_106_77
    e = e.replacing(with: e - 1, where: small)
    m = m.replacing(with: m + m, where: small)
    let z = m - 1
    let z2 = z * z
    var poly = FloatLanes(repeating: 7.037_683_6e-2)
    poly = poly * z - 1.151_461_03e-1
    poly = poly * z + 1.167_699_87e-1
    poly = poly * z - 1.242_014_08e-1
    poly = poly * z + 1.424_932_28e-1
    poly = poly * z - 1.666_805_77e-1
    poly = poly * z + 2.000_071_48e-1
    poly = poly * z - 2.499_999_4e-1
    poly = poly * z + 3.333_333_1e-1
    var y = poly * z * z2
    y = y + e * -2.121_944_4e-4
    y = y - 0.5 * z2
    return z + y + e * 0.693_359_375
  }
}
