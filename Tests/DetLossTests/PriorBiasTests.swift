import DetLoss
import Foundation
import Testing

@Test func priorBiasOfRetinaNet() {
  // REFERENCE.md §4, verified with torch: -4.59511985013459 and sigma(b) = 0.01.
  let b = priorBias(probability: 0.01)
  #expect(abs(b - -4.59511985013459) <= 1e-13)
  #expect(abs(1 / (1 + exp(-b)) - 0.01) <= 1e-16)
  #expect(priorBias(probability: 0.5) == 0)
}
