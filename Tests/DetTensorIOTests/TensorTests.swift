import Testing

@testable import DetTensorIO

@Test func typedInitialisersRecordDTypeShapeAndCount() {
  let t = Tensor(shape: [2, 3], float32: [1, 2, 3, 4, 5, 6])
  #expect(t.dtype == .float32)
  #expect(t.shape == [2, 3])
  #expect(t.count == 6)
  #expect(t.byteCount == 24)
  #expect(Tensor(shape: [2], float64: [1, 2]).dtype == .float64)
  #expect(Tensor(shape: [2], int32: [1, 2]).dtype == .int32)
  #expect(Tensor(shape: [2], int64: [1, 2]).dtype == .int64)
  #expect(Tensor(shape: [2], uint8: [1, 2]).dtype == .uint8)
  #expect(Tensor(shape: [2], bool: [true, false]).dtype == .bool)
  #expect(Tensor(shape: [2], float16: [1, 2]).byteCount == 4)
  #expect(Tensor(shape: [2], bfloat16: [1, 2]).dtype == .bfloat16)
}

@Test func scalarAndEmptyShapes() {
  let scalar = Tensor(shape: [], float64: [2.5])
  #expect(scalar.count == 1)
  #expect(scalar.byteCount == 8)
  let empty = Tensor(shape: [0, 4], float32: [])
  #expect(empty.count == 0)
  #expect(empty.byteCount == 0)
  empty.withUnsafeBytes { #expect($0.isEmpty) }
}

@Test func bytesAreLittleEndianCOrder() {
  let t = Tensor(shape: [2], int32: [0x0102_0304, -2])
  t.withUnsafeBytes { bytes in
    #expect(Array(bytes) == [0x04, 0x03, 0x02, 0x01, 0xFE, 0xFF, 0xFF, 0xFF])
  }
  let bools = Tensor(shape: [3], bool: [true, false, true])
  bools.withUnsafeBytes { #expect(Array($0) == [1, 0, 1]) }
}

@Test func rawBytesInitialiserCopies() throws {
  let bytes: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0]
  let t = bytes.withUnsafeBytes { Tensor(shape: [2], dtype: .float32, littleEndianBytes: $0) }
  #expect(try t.asFloat32() == [1, -2])
}

@Test func equalityIsBytewise() {
  #expect(Tensor(shape: [2], float32: [1, 2]) == Tensor(shape: [2], float32: [1, 2]))
  #expect(Tensor(shape: [2], float32: [1, 2]) != Tensor(shape: [1, 2], float32: [1, 2]))
  #expect(Tensor(shape: [1], float32: [0]) != Tensor(shape: [1], float32: [-0.0]))
  #expect(Tensor(shape: [1], float32: [.nan]) == Tensor(shape: [1], float32: [.nan]))
  #expect(Tensor(shape: [1], int32: [1]) != Tensor(shape: [1], float32: [Float(bitPattern: 1)]))
}

@Test func descriptionNamesDTypeAndShape() {
  #expect(
    Tensor(shape: [2, 4], float32: .init(repeating: 0, count: 8)).description
      == "Tensor(float32, [2, 4])")
}

@Test func elementCountRejectsNegativeAndOverflow() {
  #expect(Tensor.elementCount(of: [2, 3], elementSize: 4) == 6)
  #expect(Tensor.elementCount(of: [], elementSize: 8) == 1)
  #expect(Tensor.elementCount(of: [0, Int.max], elementSize: 8) == 0)
  #expect(Tensor.elementCount(of: [-1], elementSize: 1) == nil)
  #expect(Tensor.elementCount(of: [1 << 32, 1 << 32], elementSize: 1) == nil)
  #expect(Tensor.elementCount(of: [1 << 61], elementSize: 8) == nil)
  #expect(Tensor.elementCount(of: [1 << 61], elementSize: 2) == 1 << 61)
}

@Test func mismatchedValueCountIsAPreconditionFailure() async {
  await #expect(processExitsWith: .failure) {
    _ = Tensor(shape: [2, 2], float32: [1, 2, 3])
  }
}
