import Foundation
import Testing

@testable import DetLoss

private struct RegressionGolden: Decodable {
  struct Case: Decodable {
    var loss: String
    var params: [String: Double]
    var name: String
    var predictions: [Float]
    var targets: [Float]
    var float64: Golden.Run
    var float32: Golden.Run
  }
  var cases: [Case]
}

private func regressionLoss(_ name: String, _ p: [String: Double]) -> RegressionLoss {
  switch name {
  case "smoothL1": return .smoothL1(beta: Float(p["beta"]!))
  case "l1": return .l1
  case "l2": return .l2
  case "huber": return .huber(delta: Float(p["delta"]!))
  case "balancedL1":
    return .balancedL1(
      alpha: Float(p["alpha"]!), gamma: Float(p["gamma"]!), beta: Float(p["beta"]!))
  default: preconditionFailure("unknown loss \(name) in the golden file")
  }
}

struct RegressionLossTests {
  /// Tolerance against torch float64 on the same float32 inputs: 1e-6 relative + 1e-12.
  /// detkit evaluates each element in Double from the Float difference (the one
  /// rounding torch float64 does not do: pred - target in Float, up to 1 ulp of the
  /// larger operand, which these inputs of magnitude <= 7 keep under 1e-6 x |d|).
  @Test func matchesTorchAutograd() throws {
    let golden = try Golden.load("losses_regression.json", as: RegressionGolden.self)
    #expect(golden.cases.count == 40)
    for c in golden.cases {
      let loss = regressionLoss(c.loss, c.params)
      let r = try loss.evaluate(
        predictions: c.predictions, targets: c.targets, reduction: .sum,
        outputs: [.values, .gradient])
      let context = "\(c.loss) \(c.params) \(c.name)"
      // Elements whose difference is within the Float rounding of the difference.
      let diffAtol: (Int) -> Double = { i in
        2 * Double(max(abs(c.predictions[i]), abs(c.targets[i])).ulp)
      }
      Golden.expectClose(
        r.values, c.float64, c.float32, gradient: false, rtol: 1e-6, atol: 1e-12,
        extraAtol: diffAtol, context)
      // The gradient jumps at |d| = beta; there the Float difference must land on the
      // same side as torch's, which it does for these inputs (d = 1/9 rounds the same way).
      Golden.expectClose(
        r.gradient, c.float64, c.float32, gradient: true, rtol: 1e-6, atol: 1e-12,
        extraAtol: { i in loss == .l2 ? 2 * diffAtol(i) : 0 }, context)
      #expect(abs(r.sum - (c.float64.sum ?? .nan)) <= 1e-6 * max(1, abs(r.sum)), "\(context) sum")
    }
  }

  @Test func smoothL1WithBetaZeroIsL1WithZeroGradientAtZero() throws {
    let d: [Float] = [0, 0.05, 1.0 / 9, 0.2, 1, -2, -0.0]
    let zeros = [Float](repeating: 0, count: d.count)
    let smooth = try RegressionLoss.smoothL1(beta: 0).evaluate(
      predictions: d, targets: zeros, reduction: .none, outputs: [.values, .gradient])
    let l1 = try RegressionLoss.l1.evaluate(
      predictions: d, targets: zeros, reduction: .none, outputs: [.values, .gradient])
    #expect(smooth.values == d.map { abs($0) })
    #expect(smooth.values == l1.values && smooth.gradient == l1.gradient)
    #expect(smooth.gradient == [0, 1, 1, 1, 1, -1, 0])
  }

  @Test func referenceVectorsTV3() throws {
    let d: [Float] = [0, 0.05, 1.0 / 9, 0.2, 1, -2]
    let zeros = [Float](repeating: 0, count: 6)
    func values(_ loss: RegressionLoss) throws -> [Float] {
      try loss.evaluate(predictions: d, targets: zeros, reduction: .none, outputs: .values).values
    }
    let expected: [(RegressionLoss, [Double])] = [
      (
        .smoothL1(beta: 1.0 / 9),
        [0, 0.01125, 0.0555555555556, 0.144444444444, 0.944444444444, 1.94444444444]
      ),
      (.smoothL1(beta: 0.1), [0, 0.0125, 0.0611111111111, 0.15, 0.95, 1.95]),
      (.smoothL1(beta: 1), [0, 0.00125, 0.00617283950617, 0.02, 0.5, 1.5]),
      (.huber(delta: 0.1), [0, 0.00125, 0.00611111111111, 0.015, 0.095, 0.195]),
    ]
    for (loss, want) in expected {
      let got = try values(loss)
      for i in 0..<6 {
        // 1e-6 relative: the inputs and beta are rounded to Float.
        #expect(abs(Double(got[i]) - want[i]) <= 1e-6 * want[i], "\(loss)[\(i)]")
      }
    }
    let g = try RegressionLoss.smoothL1(beta: 1.0 / 9).evaluate(
      predictions: d, targets: zeros, reduction: .sum, outputs: .gradient
    ).gradient
    for (a, b) in zip(g, [0, 0.45, 1, 1, 1, -1] as [Float]) { #expect(abs(a - b) <= 1e-6) }
  }

  /// Central differences in Double (h = 1e-6) against the analytic derivative on seeded
  /// random differences away from the kinks (|d| not within 1e-4 of 0 or the transition).
  @Test(arguments: [
    RegressionLoss.l1, .l2, .smoothL1(beta: 1.0 / 9), .smoothL1(beta: 1), .huber(delta: 0.5),
    .balancedL1(), .balancedL1(alpha: 0.25, gamma: 2, beta: 0.5),
  ])
  func derivativeMatchesFiniteDifferences(loss: RegressionLoss) {
    var rng = SplitMix64(state: 21)
    let kinks: [Double] =
      switch loss {
      case .smoothL1(let b), .huber(let b): [0, Double(b)]
      case .balancedL1(_, _, let b): [0, Double(b)]
      default: [0]
      }
    var checked = 0
    while checked < 200 {
      let d = rng.uniform() * 6 - 3
      if kinks.contains(where: { abs(abs(d) - $0) < 1e-4 }) { continue }
      let h = 1e-6
      let fd =
        (loss.evaluate(difference: d + h).value - loss.evaluate(difference: d - h).value) / (2 * h)
      let analytic = loss.evaluate(difference: d).derivative
      #expect(abs(analytic - fd) <= 1e-6 * max(1, abs(fd)), "\(loss) d \(d): \(analytic) vs \(fd)")
      checked += 1
    }
  }

  @Test func balancedL1IsContinuousAtBeta() {
    let loss = RegressionLoss.balancedL1()
    let below = loss.evaluate(difference: 1 - 1e-12)
    let above = loss.evaluate(difference: 1)
    #expect(abs(below.value - above.value) <= 1e-9)
    #expect(abs(below.derivative - above.derivative) <= 1e-9)  // both gamma = 1.5
  }

  @Test func reductionsOnEmptyAndMean() throws {
    let empty = try RegressionLoss.smoothL1(beta: 1.0 / 9).evaluate(
      predictions: [], targets: [], reduction: .mean, outputs: [.values, .gradient])
    #expect(empty.loss == 0 && empty.count == 0 && empty.values.isEmpty && empty.gradient.isEmpty)
    let r = try RegressionLoss.l2.evaluate(
      predictions: [1, 2, 3, 4], targets: [0, 0, 0, 0], reduction: .mean, normalizer: 2,
      outputs: .gradient)
    #expect(r.loss == Float(3.75))  // (1 + 4 + 9 + 16) / 4 / 2
    #expect(r.gradient == [0.25, 0.5, 0.75, 1])
    #expect(throws: LossError.self) {
      try RegressionLoss.l1.evaluate(predictions: [1], targets: [], reduction: .sum)
    }
  }
}
