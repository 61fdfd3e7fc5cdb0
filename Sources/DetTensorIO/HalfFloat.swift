/// Bit-level conversions between `Float` and the two 16-bit float formats, written out so
/// they behave the same on every platform (Swift's `Float16` is missing on Intel macOS).
///
/// - float16 (IEEE 754 binary16): 1 sign, 5 exponent (bias 15), 10 fraction bits; subnormals
///   down to 2^-24, largest finite 65504.
/// - bfloat16: the top 16 bits of a float32 (1 sign, 8 exponent, 7 fraction bits).
///
/// Widening to `Float` is exact for both. Narrowing rounds to nearest, ties to even.
package enum HalfFloat {
  /// The float32 value of float16 bits `h` (exact; NaN payloads kept).
  ///
  /// - Complexity: O(1).
  @inline(__always)
  package static func float(fromFloat16 h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1F
    let fraction = UInt32(h & 0x3FF)
    if exponent == 0 {
      // Zero or subnormal: fraction x 2^-24, exact in float32.
      let magnitude = Float(fraction) * 0x1p-24
      return sign == 0 ? magnitude : -magnitude
    }
    if exponent == 0x1F {
      return Float(bitPattern: sign | 0x7F80_0000 | (fraction << 13))
    }
    return Float(bitPattern: sign | ((exponent + 112) << 23) | (fraction << 13))
  }

  /// The float16 bits nearest to `value` (ties to even); overflow gives infinity, NaN a
  /// quiet NaN with the sign and top fraction bits of `value`.
  ///
  /// - Complexity: O(1).
  @inline(__always)
  static func float16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
    let exponent = Int((bits >> 23) & 0xFF)
    let fraction = bits & 0x7F_FFFF
    if exponent == 0xFF {
      return fraction == 0
        ? sign | 0x7C00 : sign | 0x7E00 | UInt16(truncatingIfNeeded: fraction >> 13)
    }
    let halfExponent = exponent - 127 + 15
    if halfExponent >= 0x1F { return sign | 0x7C00 }
    if halfExponent <= 0 {
      // Below 2^-25 everything rounds to zero (2^-25 itself is a tie and goes to even 0).
      if halfExponent < -10 { return sign }
      let significand = fraction | 0x80_0000
      let shift = UInt32(14 - halfExponent)
      return sign | UInt16(truncatingIfNeeded: roundShift(significand, by: shift))
    }
    let truncated = (UInt32(halfExponent) << 10) | (fraction >> 13)
    // A carry out of the fraction bumps the exponent, up to infinity (0x7C00): correct.
    return sign
      | UInt16(truncatingIfNeeded: roundShift(truncated << 13 | (fraction & 0x1FFF), by: 13))
  }

  /// `value >> shift`, rounded to nearest with ties to even.
  @inline(__always)
  private static func roundShift(_ value: UInt32, by shift: UInt32) -> UInt32 {
    let quotient = value >> shift
    let remainder = value & ((1 << shift) - 1)
    let half: UInt32 = 1 << (shift - 1)
    if remainder > half || (remainder == half && quotient & 1 == 1) { return quotient + 1 }
    return quotient
  }

  /// The float32 value of bfloat16 bits `b` (exact).
  ///
  /// - Complexity: O(1).
  @inline(__always)
  package static func float(fromBFloat16 b: UInt16) -> Float {
    Float(bitPattern: UInt32(b) << 16)
  }

  /// The bfloat16 bits nearest to `value` (ties to even), as PyTorch's
  /// `round_to_nearest_even`: every NaN becomes 0x7FC0 (positive quiet NaN).
  ///
  /// - Complexity: O(1).
  @inline(__always)
  static func bfloat16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return 0x7FC0 }
    let roundingBias = ((bits >> 16) & 1) + 0x7FFF
    return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
  }
}
