import Testing

@testable import DetTensorIO

@Test(arguments: [
  (TensorIOError.Problem.wrongMagic, "a.npy: wrong magic"),
  (
    .truncated(at: 80, needed: 96, what: "the data"),
    "a.npy: truncated at byte 80: the data needs 96 bytes"
  ),
  (
    .absurdHeaderLength(length: 1 << 40, limit: 100),
    "a.npy: absurd header length 1099511627776 bytes"
  ),
  (.fortranOrder, "a.npy: Fortran order"),
  (
    .shapeOverflow(tensor: "w", shape: [1 << 40, 1 << 40]),
    "a.npy: tensor \"w\": shape [1099511627776, 1099511627776] overflows"
  ),
  (.overlap(tensor: "b", other: "a"), "a.npy: tensors \"b\" and \"a\" overlap"),
  (.unknownDType("<c8", tensor: nil), "a.npy: unknown dtype \"<c8\""),
  (
    .sizeMismatch(tensor: nil, expected: 8, actual: 12),
    "a.npy: size mismatch: shape x dtype size is 8 bytes but 12 bytes are given"
  ),
  (
    .dtypeMismatch(expected: "float32", actual: .int64),
    "a.npy: expected float32, found a tensor of dtype int64"
  ),
  (.io(operation: "open", errno: 2), "a.npy: open failed: No such file or directory (errno 2)"),
])
func errorDescriptionNamesFileAndProblem(problem: TensorIOError.Problem, prefix: String) {
  let error = TensorIOError(file: "a.npy", problem: problem)
  #expect(error.description.hasPrefix(prefix), "\(error.description)")
}

@Test func errorDescriptionEscapesHostileNames() {
  let error = TensorIOError(
    file: "m", problem: .invalidName("a\u{1B}[31m\n" + String(repeating: "x", count: 500)))
  #expect(!error.description.contains("\u{1B}"))
  #expect(!error.description.contains("\n"))
  #expect(error.description.count < 300)
}
