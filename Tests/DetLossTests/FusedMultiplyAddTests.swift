import CDetKernels
import DetGeometry
import Testing

/// The fused multiply-add of every C kernel variant (`detkit_fused_multiply_add`, what the
/// gamma = 2 focal kernel's negative lanes use) against the C library's `fmaf`
/// (`Float.addingProduct`), bit for bit. On x86-64 without FMA the baseline variant
/// emulates it with a double product and a sum rounded to odd; on most inputs a sum merely
/// rounded to nearest gives the same float, so most cases here are ones where it does not.
struct FusedMultiplyAddTests {
  /// `a * b` a float midpoint (25 significant bits, the last one set) and `c` far smaller
  /// than `a * b`, of either sign: the exact sum lies just beside the midpoint, a double
  /// sum rounded to nearest falls back onto it for the smaller `c` (and then ties to even,
  /// half the time the wrong way), and the fused result must take `c`'s side; the same
  /// traps at subnormal midpoints; and random bit patterns (every exponent, infinities,
  /// NaN).
  @Test func everyVariantRoundsOnceAsFmaf() {
    var rng = SyntheticBoxes.SplitMix64(state: 2008)
    var a: [Float] = []
    var b: [Float] = []
    var c: [Float] = []
    func random(_ range: ClosedRange<Int>) -> Int {
      range.lowerBound + Int(rng.next() % UInt64(range.count))
    }
    while a.count < 200_000 {
      let x = random(1 << 11...(1 << 12) - 1) | 1
      let y = random(1 << 12...(1 << 13) - 1) | 1
      guard x * y >= 1 << 24 else { continue }
      let scaleA = random(-60...40)
      let scaleB = random(-60...40)
      let product = Float(sign: .plus, exponent: scaleA + scaleB, significand: Float(x * y))
      a.append(
        Float(sign: rng.next() % 2 == 0 ? .plus : .minus, exponent: scaleA, significand: Float(x)))
      b.append(Float(sign: .plus, exponent: scaleB, significand: Float(y)))
      let tiny = Float(
        sign: rng.next() % 2 == 0 ? .plus : .minus, exponent: -random(26...80), significand: 1)
      c.append(product * tiny)
    }
    for _ in 0..<50_000 {
      // The same below the smallest normal float: a b = 2^-150 (1 - k^2 2^-46), c a
      // subnormal j 2^-149 with j >= 2^22, so that the exact sum lies just beside the
      // subnormal midpoint c + 2^-150 and a double sum rounds onto it (about half of these
      // round wrong that way).
      let k = Float(random(1...255))
      let sign: FloatingPointSign = rng.next() % 2 == 0 ? .plus : .minus
      a.append(Float(sign: sign, exponent: -75, significand: 1 - k * 0x1p-23))
      b.append(Float(sign: .plus, exponent: -75, significand: 1 + k * 0x1p-23))
      c.append(
        Float(
          sign: rng.next() % 2 == 0 ? .plus : .minus, exponent: -149,
          significand: Float(random(1 << 22...(1 << 23) - 1))))
    }
    for _ in 0..<200_000 {
      let bits = rng.next()
      a.append(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
      b.append(Float(bitPattern: UInt32(truncatingIfNeeded: bits >> 32)))
      c.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())))
    }
    let expected = a.indices.map { c[$0].addingProduct(a[$0], b[$0]) }
    for variant in KernelVariant.supported where variant != .swiftSIMD {
      var out = [Float](repeating: 0, count: a.count)
      detkit_fused_multiply_add(variant.cCode, a, b, c, &out, a.count)
      let mismatches = a.indices.filter {
        out[$0].bitPattern != expected[$0].bitPattern && !(out[$0].isNaN && expected[$0].isNaN)
      }
      let first = mismatches.first.map {
        "\(a[$0]) * \(b[$0]) + \(c[$0]) = \(out[$0]), fmaf \(expected[$0])"
      }
      #expect(first == nil, "\(variant): \(mismatches.count) of \(a.count), first \(first ?? "")")
    }
  }
}
