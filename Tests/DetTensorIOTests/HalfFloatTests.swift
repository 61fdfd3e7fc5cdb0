import Testing

@testable import DetTensorIO

// Swift's Float16 is an independent implementation of IEEE binary16 conversion; it is
// missing only on Intel macOS, where these comparisons are skipped.
#if !(os(macOS) && arch(x86_64))
  @Test func float16WideningMatchesSwiftFloat16ForAllBitPatterns() {
    for bits in UInt16.min...UInt16.max {
      let ours = HalfFloat.float(fromFloat16: bits)
      let reference = Float(Float16(bitPattern: bits))
      if reference.isNaN {
        #expect(ours.isNaN, "bits \(bits)")
      } else {
        #expect(ours.bitPattern == reference.bitPattern, "bits \(bits)")
      }
    }
  }

  @Test(arguments: [1 as UInt64, 2, 3])
  func float16NarrowingMatchesSwiftFloat16(seed: UInt64) {
    var rng = Support.SeededGenerator(state: seed)
    for _ in 0..<200_000 {
      // Random bit patterns cover every exponent; also draw near the half range's edges.
      let value =
        Bool.random(using: &rng)
        ? Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))
        : Float.random(in: -0x1p-13...0x1p-13, using: &rng)
          * (Bool.random(using: &rng) ? 1 : 0x1p17)
      let ours = HalfFloat.float16Bits(value)
      let reference = Float16(value)
      if reference.isNaN {
        #expect(Float16(bitPattern: ours).isNaN)
      } else {
        #expect(ours == reference.bitPattern, "value \(value) bits \(value.bitPattern)")
      }
    }
  }
#endif

@Test func float16NarrowingMatchesNumpyGolden() throws {
  let golden = try #require(try Support.expected()["float16_rounding"] as? [String: [Int]])
  let inputs = try #require(golden["float32_bits"])
  let outputs = try #require(golden["float16_bits"])
  #expect(inputs.count == outputs.count && !inputs.isEmpty)
  for (input, output) in zip(inputs, outputs) {
    #expect(
      HalfFloat.float16Bits(Float(bitPattern: UInt32(input))) == UInt16(output),
      "input bits \(input)")
  }
}

@Test func float16SpecialValues() {
  #expect(HalfFloat.float16Bits(0) == 0x0000)
  #expect(HalfFloat.float16Bits(-0.0) == 0x8000)
  #expect(HalfFloat.float16Bits(.infinity) == 0x7C00)
  #expect(HalfFloat.float16Bits(-.infinity) == 0xFC00)
  #expect(HalfFloat.float16Bits(65504) == 0x7BFF)
  #expect(HalfFloat.float16Bits(65520) == 0x7C00)  // the tie above the largest finite goes to inf
  #expect(HalfFloat.float16Bits(0x1p-24) == 0x0001)  // smallest subnormal
  #expect(HalfFloat.float16Bits(0x1p-25) == 0x0000)  // tie between 0 and 2^-24 goes to even 0
  #expect(HalfFloat.float16Bits(0x1.8p-24) == 0x0002)  // tie between 1 and 2 ulps goes to 2
  #expect(HalfFloat.float16Bits(0x1p-14) == 0x0400)  // smallest normal
  #expect(HalfFloat.float16Bits(0x1.ffcp-15) == 0x0400)  // subnormal rounding up into normal
  let nan = HalfFloat.float16Bits(.nan)
  #expect(nan & 0x7C00 == 0x7C00 && nan & 0x03FF != 0)
  #expect(HalfFloat.float(fromFloat16: 0x0001) == 0x1p-24)
  #expect(HalfFloat.float(fromFloat16: 0x8000).sign == .minus)
  #expect(HalfFloat.float(fromFloat16: 0x7C00) == .infinity)
  #expect(HalfFloat.float(fromFloat16: 0x7E00).isNaN)
  #expect(HalfFloat.float(fromFloat16: 0x3C00) == 1)
  #expect(HalfFloat.float(fromFloat16: 0xC000) == -2)
}

@Test func float16RoundTripsEveryNonNaNPattern() {
  for bits in UInt16.min...UInt16.max {
    let value = HalfFloat.float(fromFloat16: bits)
    if value.isNaN { continue }
    #expect(HalfFloat.float16Bits(value) == bits, "bits \(bits)")
  }
}

@Test func bfloat16NarrowingMatchesTorchGolden() throws {
  let golden = try #require(
    try Support.expected()["bfloat16_rounding"] as? [String: [Int]],
    "expected.json has no bfloat16_rounding: was torch installed when it was generated?")
  let inputs = try #require(golden["float32_bits"])
  let outputs = try #require(golden["bfloat16_bits"])
  #expect(inputs.count == outputs.count && !inputs.isEmpty)
  for (input, output) in zip(inputs, outputs) {
    #expect(
      HalfFloat.bfloat16Bits(Float(bitPattern: UInt32(input))) == UInt16(output),
      "input bits \(input)")
  }
}

@Test func bfloat16TiesAndSpecials() {
  // 1 + 2^-8 lies halfway between bfloat16 1 (0x3F80) and 1 + 2^-7 (0x3F81): even wins.
  #expect(HalfFloat.bfloat16Bits(1 + 0x1p-8) == 0x3F80)
  #expect(HalfFloat.bfloat16Bits(1 + 0x1p-7 + 0x1p-8) == 0x3F82)
  #expect(HalfFloat.bfloat16Bits(1 + 0x1p-8 + 0x1p-20) == 0x3F81)
  #expect(HalfFloat.bfloat16Bits(.nan) == 0x7FC0)
  #expect(HalfFloat.bfloat16Bits(-.nan) == 0x7FC0)
  #expect(HalfFloat.bfloat16Bits(.infinity) == 0x7F80)
  #expect(HalfFloat.bfloat16Bits(-0.0) == 0x8000)
  #expect(HalfFloat.bfloat16Bits(.greatestFiniteMagnitude) == 0x7F80)
  for bits in UInt16.min...UInt16.max {
    let value = HalfFloat.float(fromBFloat16: bits)
    #expect(value.bitPattern == UInt32(bits) << 16)
    if !value.isNaN { #expect(HalfFloat.bfloat16Bits(value) == bits) }
  }
}
