/// Lane-wise `exp`, `log` and `log1p` for 16 `Float` lanes, the kernels under the sigmoid
/// focal loss.
///
/// Accuracy (measured against `Double` by `VectorMathTests` on a dense sweep of every
/// range the losses use, and asserted there):
/// - ``exp(_:)`` on [-87.3, 88.7]: relative error at most 2.6e-7 (about 2 ulp); below
///   -87.33 (where `e^x` < `Float.leastNormalMagnitude`) the result is 0 instead of a
///   subnormal, an absolute error below 1.2e-38. `-inf` gives 0. Above `ln(FLT_MAX)` =
///   88.72284 (the first float past it; 88.72283 still gives 3.4028e38) and at `+inf` the
///   result is `+inf`. ``expNegated(_:)`` (`exp(-a)` with fewer operations, its
///   multiply-adds fused) meets the same bound for `a` in [0, 87.33654] and is within one
///   ulp of `exp(-a)` (measured: 1.4% of 2,000,001 points differ, by one ulp); past that,
///   a subnormal or 0 (see there).
/// - ``log1p(_:fused:)`` on [0, 1] (the values `u = e^-|x|` takes), fused or not: relative
///   error at most 3 ulp (3.6e-7) for normal `u`, exactly 0 at 0; for a subnormal `u`
///   (``expNegated(_:)`` returns a few) the result is `u` within one subnormal step
///   (1.4e-45).
/// - ``log(_:)`` on [`Float.leastNormalMagnitude`, `Float.greatestFiniteMagnitude`]:
///   absolute error at most 2.4e-7 + 2 ulp of the result.
///
/// The algorithms: for `exp`, Cephes' range reduction by `ln 2` with a two-part constant,
/// then a degree-5 polynomial fitted for least maximum relative error (1.05e-7 before
/// rounding; Cephes' degree 7 buys nothing a loss can see and costs two steps); for
/// `log`, Cephes' mantissa in [sqrt(1/2), sqrt(2)) and degree-8 polynomial; for `log1p`
/// on [0, 1], the odd series `log1p(u) = 2 atanh(s)`, `s = u / (2 + u)` in [0, 1/3],
/// with a cubic in `s^2` fitted the same way (4.5e-9 before rounding). The fits are
/// reproduced by `tools/fit_vector_math.py`. No branches: every lane takes the same path.
/// The lanes every loss kernel works on: 16 floats, four SSE registers per value. The
/// kernels are long dependency chains (exp, two divisions, log1p), and four independent
/// chains per step keep the core busy: the W-FPN focal pass is 11% faster than with 8.
typealias FloatLanes = SIMD16<Float>
/// The bits of ``FloatLanes``, for masks and exponent arithmetic.
typealias LaneBits = SIMD16<UInt32>
/// ``FloatLanes`` as signed integers.
typealias LaneInts = SIMD16<Int32>

enum VectorMath {
  /// `e^x` for each lane.
  ///
  /// - Complexity: O(1), about 17 vector operations.
  @inline(__always)
  static func exp(_ x: FloatLanes) -> FloatLanes {
    let underflow = x .< -87.33654
    // Selects rather than `clamped`, whose generic min / max are not inlined.
    var xc = x.replacing(with: -87.33654, where: underflow)
    // Clamping above at 89 rather than at ln(FLT_MAX) costs nothing and overflows right:
    // for x in (88.72283, 89] (and +inf, clamped to 89), n = 128 and e^r > 1, so
    // `er * 2^64 * 2^64` rounds to +inf, as e^x > FLT_MAX there.
    xc = xc.replacing(with: 89, where: xc .> 89)
    // n = round(x / ln 2) using the 1.5 * 2^23 trick: the sum's low mantissa bits hold n
    // (plus 127, the bias `expNegated` needs; here it cancels in `nInt` below).
    let magic = biasedMagic
    let shifted = xc * 1.442_695_04 + magic
    let n = shifted - magic
    var r = xc - n * 0.693_359_375
    r = r - n * -2.121_944_4e-4
    let er = expReduced(r, fused: false)
    // n from the integer in the low bits of `shifted`.
    let bits = unsafeBitCast(shifted, to: LaneBits.self)
    let nInt = unsafeBitCast(
      bits &- unsafeBitCast(FloatLanes(repeating: magic), to: LaneBits.self), to: LaneInts.self)
    // n is in [-126, 128]; 2^n = 2^(n >> 1) * 2^(n - n >> 1) keeps both factors normal.
    let half = nInt &>> 1
    let scaleLow = unsafeBitCast((half &+ 127) &<< 23, to: FloatLanes.self)
    let scaleHigh = unsafeBitCast((nInt &- half &+ 127) &<< 23, to: FloatLanes.self)
    let result = er * scaleLow * scaleHigh
    return result.replacing(with: 0, where: underflow)
  }

  /// `e^-a` for each lane, for `a >= 0`, for the `e^-|x|` of the gamma = 2 focal kernel:
  /// ``exp(_:)``'s algorithm without the work only positive arguments need, with each
  /// multiply-add fused (one rounding, ``multiplyAdd(_:_:_:fused:)``), so it is not
  /// ``exp(_:)``'s bits. Past the cut-off (`a > 87.33654`) the true value is below
  /// `Float.leastNormalMagnitude`: for `a` up to 87.68 the result is that value rounded to
  /// a subnormal, from 87.68 on (including `+inf`) it is 0; either way within 1.2e-38 of
  /// `e^-a`. So a product such as `e^-a * a` (the focal gradient's `q ce`) is below 1.1e-36
  /// for every `a`, and 0 for huge `a`, as the exact product is. NaN gives NaN.
  ///
  /// - Complexity: O(1), about 14 vector operations, 7 of them fused multiply-adds. In a
  ///   build for baseline x86-64 (the default) each fused one is a C library call per lane
  ///   (`fmaf`): this is the reference the C kernels reproduce, not a production path.
  @inline(__always)
  static func expNegated(_ a: FloatLanes) -> FloatLanes {
    // `88 < a ? 88 : a` (one `minps`) keeps NaN lanes NaN.
    let clamped = smaller(FloatLanes(repeating: 88), a)
    // n = round(-a / ln 2) in [-127, 0], by the 1.5 * 2^23 trick of `exp`, with the
    // exponent bias 127 folded into the constant: the low bits of `shifted` hold n + 127,
    // so `bits << 23` is 2^n (n + 127 is in [0, 127], under the sign bit). For n = -127
    // (a in [87.68, 88], the clamp included) those bits are all zero: the scale, and the
    // result, is +0, with no select. n = -126 gives a subnormal result.
    let shifted = FloatLanes(repeating: biasedMagic).addingProduct(
      clamped, FloatLanes(repeating: -1.442_695_04))
    let n = shifted - biasedMagic
    // -a - n ln 2 with `exp`'s two-part constant (n C1 is exact: n has 8 bits, C1 9).
    var r = (-clamped).addingProduct(n, FloatLanes(repeating: -0.693_359_375))
    r = r.addingProduct(n, FloatLanes(repeating: 2.121_944_4e-4))
    let er = expReduced(r, fused: true)
    let scale = unsafeBitCast(unsafeBitCast(shifted, to: LaneBits.self) &<< 23, to: FloatLanes.self)
    return er * scale
  }

  /// 1.5 * 2^23 + 127: added to `x / ln 2` it rounds to an integer, and the sum's low
  /// mantissa bits hold `n + 127`, the biased exponent of 2^n.
  static let biasedMagic: Float = 12_583_039

  /// `e^r` for the reduced argument `|r| <= ln(2) / 2`: `1 + r + r^2 P(r)` with a cubic
  /// `P` fitted for least maximum relative error (1.05e-7 before rounding), shared by
  /// ``exp(_:)`` and ``expNegated(_:)``; `fused` as in ``multiplyAdd(_:_:_:fused:)``.
  ///
  /// - Complexity: O(1), 4 multiply-adds (Estrin's order).
  @inline(__always)
  static func expReduced(_ r: FloatLanes, fused: Bool) -> FloatLanes {
    // Estrin's scheme: the same operations as Horner's in a shallower dependency chain
    // (the kernels are latency-bound).
    let r2 = r * r
    let low = multiplyAdd(
      r, .init(repeating: 1.666_711_6e-1), .init(repeating: 4.999_923_1e-1), fused: fused)
    let high = multiplyAdd(
      r, .init(repeating: 8.312_502_9e-3), .init(repeating: 4.189_033_4e-2), fused: fused)
    let poly = multiplyAdd(high, r2, low, fused: fused)
    return multiplyAdd(poly, r2, r + 1, fused: fused)
  }

  /// `a * b + c` for each lane: with one rounding when `fused` (`addingProduct`, a fused
  /// multiply-add; in a build for baseline x86-64 a C library call, `fmaf`, per lane),
  /// otherwise the product and the sum each rounded. `fused` is a constant at every call,
  /// so the test folds away.
  ///
  /// - Complexity: O(1).
  @inline(__always)
  static func multiplyAdd(
    _ a: FloatLanes, _ b: FloatLanes, _ c: FloatLanes, fused: Bool
  ) -> FloatLanes {
    fused ? c.addingProduct(a, b) : a * b + c
  }

  /// `x < y ? x : y` for each lane, one `minps` per 4 lanes (a select on wider vectors takes
  /// several instructions on SSE). A NaN in `x` gives `y`, a NaN in `y` gives NaN.
  ///
  /// - Complexity: O(1).
  @inline(__always)
  static func smaller(_ x: FloatLanes, _ y: FloatLanes) -> FloatLanes {
    @inline(__always) func half(_ x: SIMD4<Float>, _ y: SIMD4<Float>) -> SIMD4<Float> {
      y.replacing(with: x, where: x .< y)
    }
    return FloatLanes(
      lowHalf: SIMD8(
        lowHalf: half(x.lowHalf.lowHalf, y.lowHalf.lowHalf),
        highHalf: half(x.lowHalf.highHalf, y.lowHalf.highHalf)),
      highHalf: SIMD8(
        lowHalf: half(x.highHalf.lowHalf, y.highHalf.lowHalf),
        highHalf: half(x.highHalf.highHalf, y.highHalf.highHalf)))
  }

  /// `x > y ? x : y` for each lane, one `maxps` per 4 lanes. A NaN in `x` gives `y`, a
  /// NaN in `y` gives NaN.
  ///
  /// - Complexity: O(1).
  @inline(__always)
  static func larger(_ x: FloatLanes, _ y: FloatLanes) -> FloatLanes {
    @inline(__always) func half(_ x: SIMD4<Float>, _ y: SIMD4<Float>) -> SIMD4<Float> {
      y.replacing(with: x, where: x .> y)
    }
    return FloatLanes(
      lowHalf: SIMD8(
        lowHalf: half(x.lowHalf.lowHalf, y.lowHalf.lowHalf),
        highHalf: half(x.lowHalf.highHalf, y.lowHalf.highHalf)),
      highHalf: SIMD8(
        lowHalf: half(x.highHalf.lowHalf, y.highHalf.lowHalf),
        highHalf: half(x.highHalf.highHalf, y.highHalf.highHalf)))
  }

  /// `a` in the lanes where `mask` is true, `b` elsewhere, as three bitwise operations on
  /// the comparison's all-ones / all-zeros lanes (`replacing(with:where:)` first turns
  /// the mask into a sign test, two more operations on SSE).
  ///
  /// - Complexity: O(1).
  @inline(__always)
  static func select(_ mask: SIMDMask<LaneInts>, _ a: FloatLanes, _ b: FloatLanes) -> FloatLanes {
    let m = unsafeBitCast(mask, to: LaneBits.self)
    let (aBits, bBits) = (unsafeBitCast(a, to: LaneBits.self), unsafeBitCast(b, to: LaneBits.self))
    return unsafeBitCast((aBits & m) | (bBits & ~m), to: FloatLanes.self)
  }

  /// `ln(1 + u)` for each lane, for `u` in [0, 1]; `fused` as in
  /// ``multiplyAdd(_:_:_:fused:)`` (the gamma = 2 focal kernel's negative lanes fuse).
  ///
  /// - Complexity: O(1), one division and 4 multiply-adds.
  @inline(__always)
  static func log1p(_ u: FloatLanes, fused: Bool) -> FloatLanes {
    let s = u / (2 + u)
    let z = s * s
    var poly = FloatLanes(repeating: 0.280_119_75)
    poly = multiplyAdd(poly, z, FloatLanes(repeating: 0.280_018_09), fused: fused)
    poly = multiplyAdd(poly, z, FloatLanes(repeating: 0.400_215_27), fused: fused)
    poly = multiplyAdd(poly, z, FloatLanes(repeating: 0.666_664_18), fused: fused)
    return multiplyAdd(s * z, poly, 2 * s, fused: fused)
  }

  /// `ln x` for each lane, for positive normal finite `x`.
  ///
  /// - Complexity: O(1), about 20 vector operations.
  @inline(__always)
  static func log(_ x: FloatLanes) -> FloatLanes {
    let bits = unsafeBitCast(x, to: LaneBits.self)
    // Exponent and mantissa in [0.5, 1).
    var e = FloatLanes(LaneInts(truncatingIfNeeded: (bits &>> 23) & 0xFF) &- 126)
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
