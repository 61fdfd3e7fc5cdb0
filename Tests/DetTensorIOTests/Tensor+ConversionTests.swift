import Testing

@testable import DetTensorIO

@Test func asFloat32ConvertsEveryNumericType() throws {
  #expect(try Tensor(shape: [3], float32: [1.5, -2, 0]).asFloat32() == [1.5, -2, 0])
  #expect(try Tensor(shape: [2], float64: [0.1, 1e300]).asFloat32() == [Float(0.1), .infinity])
  #expect(try Tensor(shape: [2], int32: [-7, 1 << 24 + 1]).asFloat32() == [-7, 16_777_216])
  #expect(try Tensor(shape: [1], int64: [-(1 << 40)]).asFloat32() == [-0x1p40])
  #expect(try Tensor(shape: [2], uint8: [0, 255]).asFloat32() == [0, 255])
  #expect(
    try Tensor(shape: [3], float16: [0.1, 65504, 0x1p-24]).asFloat32() == [
      0.0999755859375, 65504, 0x1p-24,
    ])
  #expect(try Tensor(shape: [2], bfloat16: [0.1, -3]).asFloat32() == [0.10009765625, -3])
}

@Test func asFloat64ConvertsEveryNumericType() throws {
  #expect(try Tensor(shape: [1], float32: [0.1]).asFloat64() == [Double(Float(0.1))])
  #expect(try Tensor(shape: [1], float64: [0.1]).asFloat64() == [0.1])
  #expect(try Tensor(shape: [1], int64: [(1 << 53) + 1]).asFloat64() == [0x1p53])
  #expect(try Tensor(shape: [1], int32: [.min]).asFloat64() == [-0x1p31])
  #expect(try Tensor(shape: [1], float16: [-2.5]).asFloat64() == [-2.5])
  #expect(try Tensor(shape: [1], bfloat16: [1]).asFloat64() == [1])
  #expect(try Tensor(shape: [1], uint8: [200]).asFloat64() == [200])
}

@Test func asInt64ConvertsIntegersAndBools() throws {
  #expect(try Tensor(shape: [2], int64: [.min, .max]).asInt64() == [.min, .max])
  #expect(try Tensor(shape: [2], int32: [.min, .max]).asInt64() == [-(1 << 31), (1 << 31) - 1])
  #expect(try Tensor(shape: [2], uint8: [0, 255]).asInt64() == [0, 255])
  #expect(try Tensor(shape: [2], bool: [true, false]).asInt64() == [1, 0])
}

@Test func boolBytesOtherThanOneAreTrue() throws {
  let t = [UInt8]([0, 1, 2, 255]).withUnsafeBytes {
    Tensor(shape: [4], dtype: .bool, littleEndianBytes: $0)
  }
  #expect(try t.asBool() == [false, true, true, true])
  #expect(try t.asInt64() == [0, 1, 1, 1])
}

@Test(arguments: [DType.float16, .bfloat16, .float32, .float64])
func asInt64RefusesFloats(dtype: DType) {
  var rng = Support.SeededGenerator(state: 9)
  let t = Support.randomTensor(dtype, shape: [2], using: &rng)
  #expect(
    Support.problem { _ = try t.asInt64() }
      == .dtypeMismatch(expected: "an integer or bool tensor", actual: dtype))
}

@Test func floatConversionsRefuseBool() {
  let mask = Tensor(shape: [1], bool: [true])
  #expect(
    Support.problem { _ = try mask.asFloat32() }
      == .dtypeMismatch(expected: "a numeric tensor", actual: .bool))
  #expect(
    Support.problem { _ = try mask.asFloat64() }
      == .dtypeMismatch(expected: "a numeric tensor", actual: .bool))
  #expect(Support.problem { _ = try Tensor(shape: [1], uint8: [1]).asBool() } != nil)
}

@Test func emptyAndScalarConvert() throws {
  #expect(try Tensor(shape: [0, 4], float32: []).asFloat64() == [])
  #expect(try Tensor(shape: [], int32: [5]).asInt64() == [5])
}

/// Large tensors convert in parallel chunks; every element must match the scalar conversion.
@Test func largeConversionsMatchElementwise() throws {
  var rng = Support.SeededGenerator(state: 99)
  let count = Tensor.parallelThreshold + 12_345
  let bits = (0..<count).map { _ in UInt16.random(in: 0...UInt16.max, using: &rng) }
  let tensor = bits.withUnsafeBytes {
    Tensor(shape: [count], dtype: .float16, littleEndianBytes: $0)
  }
  let floats = try tensor.asFloat32()
  #expect(floats.count == count)
  var mismatches = 0
  for i in 0..<count where floats[i].bitPattern != HalfFloat.float(fromFloat16: bits[i]).bitPattern
  {
    mismatches += 1
  }
  #expect(mismatches == 0)
}
