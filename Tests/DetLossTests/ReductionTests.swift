import DetLoss
import Testing

@Test func reductionNamesMatchTorch() {
  #expect(Reduction.allCases.map(\.rawValue) == ["none", "sum", "mean"])
}
