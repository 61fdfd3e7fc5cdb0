import DetPipeline
import DetTensorIO
import Testing

/// The all-finite check runs over blocks of 4,096 values, 16 at a time: a NaN or infinity
/// anywhere (first element, inside a vector, a block boundary, the scalar tail, the last
/// element, or two in one block) is found, and the first one is named.
@Test(
  arguments: [
    [0], [17], [4095], [4096], [8200, 8201], [12_345, 9_000], [20_003], [20_009],
  ] as [[Int]])
func firstNonFiniteIsFoundAnywhereInALargeArray(positions: [Int]) {
  // 20,010 values: 4 full blocks, a partial one, a 10-value tail.
  var values = (0..<20_010).map { Float($0 % 13) * 0.25 - 1.5 }
  for (k, position) in positions.enumerated() { values[position] = k == 0 ? .nan : -.infinity }
  #expect(firstNonFinite(values) == positions.min())
}

/// Edge values: empty and all-finite arrays (with the largest finite and subnormal values,
/// whose exponent bits are not all ones) have none; +inf in the tail of a short array is found.
@Test func firstNonFiniteEdgeCases() {
  #expect(firstNonFinite([]) == nil)
  #expect(
    firstNonFinite([.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, 0])
      == nil)
  #expect(firstNonFinite((0..<5000).map(Float.init)) == nil)
  #expect(firstNonFinite([1, 2, .infinity]) == 2)
  #expect(firstNonFinite([-.nan, 1]) == 0)
}

/// `.error` throws a located error naming the array, the flat index and its position along
/// the named axes; `.propagate` lets the same values through.
@Test func checkNamesTheFirstNonFiniteElement() throws {
  let values: [Float] = [0, 1, 2, 3, 4, .infinity, .nan, 7]
  let tensor = Tensor(shape: [4, 2], float32: values)
  try NonFinitePolicy.propagate.check(values, of: tensor, file: "x.npy", array: "--input")
  let error = try #require(throws: PipelineError.self) {
    try NonFinitePolicy.error.check(
      values, of: tensor, file: "x.npy", array: "--input", axes: ["box", "coordinate"])
  }
  #expect(error.code == .nonFiniteInput)
  #expect(error.location == "x.npy")
  let element = try #require(error.nonFinite)
  #expect(element.index == 5)
  #expect(element.position == [2, 1])
  #expect(
    error.description
      == "x.npy: --input [4, 2]: first non-finite value inf at flat index 5 (box 2, coordinate 1)")
}

/// A float64 value beyond float32's range (an infinity only after conversion) is reported
/// with its value in the file; default axes of a 2-D array are row and column.
@Test func checkReportsAFloat64BeyondFloat32Range() throws {
  let tensor = Tensor(shape: [1, 2], float64: [1, 1e300])
  let values = try tensor.asFloat32()
  let error = try #require(throws: PipelineError.self) {
    try NonFinitePolicy.error.check(values, of: tensor, file: "d.npy", array: "--logits")
  }
  #expect(error.nonFinite?.original == 1e300)
  #expect(
    error.description
      == "d.npy: --logits [1, 2]: first non-finite value inf (1e+300 is beyond float32's range) at flat index 1 (row 0, column 1)"
  )
}
