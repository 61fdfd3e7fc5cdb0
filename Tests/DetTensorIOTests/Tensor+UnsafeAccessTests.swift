import Testing

@testable import DetTensorIO

@Test func typedBufferSeesTheElements() throws {
  let t = Tensor(shape: [3], int64: [7, -8, 9])
  let sum = try t.withUnsafeBufferPointer(of: Int64.self) { $0.reduce(0, +) }
  #expect(sum == 8)
  let floats = Tensor(shape: [2, 2], float32: [1, 2, 3, 4])
  #expect(try floats.withUnsafeBufferPointer(of: Float.self) { Array($0) } == [1, 2, 3, 4])
  #expect(
    try Tensor(shape: [1], float64: [2]).withUnsafeBufferPointer(of: Double.self) { $0[0] } == 2)
  #expect(try Tensor(shape: [1], int32: [3]).withUnsafeBufferPointer(of: Int32.self) { $0[0] } == 3)
  #expect(try Tensor(shape: [1], uint8: [4]).withUnsafeBufferPointer(of: UInt8.self) { $0[0] } == 4)
}

@Test func typedBufferRefusesTheWrongType() {
  let t = Tensor(shape: [2], float64: [1, 2])
  #expect(
    Support.problem { _ = try t.withUnsafeBufferPointer(of: Float.self) { $0.count } }
      == .dtypeMismatch(expected: "float32", actual: .float64))
}

@Test func copiesShareStorage() {
  let a = Tensor(shape: [4], float32: [1, 2, 3, 4])
  let b = a
  let pa = a.withUnsafeBytes { $0.baseAddress }
  let pb = b.withUnsafeBytes { $0.baseAddress }
  #expect(pa == pb)
}
