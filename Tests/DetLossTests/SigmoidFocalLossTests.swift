import Foundation
import Testing

@testable import DetLoss

private struct FocalGolden: Decodable {
  struct Case: Decodable {
    var name: String
    var alpha: Float
    var gamma: Float
    var logits: [Float]
    var targets: [Float]
    var float64: Golden.Run
    var float32: Golden.Run
  }
  struct LabelCase: Decodable {
    var alpha: Float
    var gamma: Float
    var classes: Int
    var logits: [Float]
    var labels: [Int]
    var float64: Golden.Run
    var float32: Golden.Run
  }
  var cases: [Case]
  var labels: [LabelCase]
}

/// The focal loss of one element in Double, straight from the definition (torchvision's
/// `sigmoid_focal_loss` with p = 1 / (1 + e^-x)); the independent reference for the
/// finite-difference checks.
private func focalReference(_ x: Double, _ t: Double, alpha: Double, gamma: Double) -> Double {
  let p = 1 / (1 + exp(-x))
  let ce = max(x, 0) - x * t + log1p(exp(-abs(x)))
  let pt = p * t + (1 - p) * (1 - t)
  let at = alpha < 0 ? 1 : alpha * t + (1 - alpha) * (1 - t)
  return at * pow(1 - pt, gamma) * ce
}

struct SigmoidFocalLossTests {
  /// Per-element tolerance against torch float64: 2e-6 relative (the kernels' documented
  /// error is below 4e-7 per operation; a focal element chains about five of them) plus
  /// 1e-37 absolute (detkit flushes e^x below Float.leastNormalMagnitude to 0).
  static let rtol = 2e-6, atol = 1e-37

  @Test func matchesTorchAutogradOnSoftAndOneHotTargets() throws {
    let golden = try Golden.load("losses_focal.json", as: FocalGolden.self)
    #expect(golden.cases.count >= 30)
    for c in golden.cases {
      let loss = SigmoidFocalLoss(alpha: c.alpha, gamma: c.gamma)
      let result = try loss.evaluate(
        logits: c.logits, targets: c.targets, reduction: .sum, outputs: [.values, .gradient])
      let context = "\(c.name) alpha \(c.alpha) gamma \(c.gamma)"
      // Soft targets: float32 rounding of `x t` (values) and of `p - t` (gradient) is an
      // absolute error of about ulp(|x|) and ulp(1), which no float32 code avoids when the
      // loss itself is small; allow 2 ulp of those on top of the relative tolerance.
      let soft = c.targets.contains { $0 != 0 && $0 != 1 }
      let valueAtol: (Int) -> Double = { i in soft ? 2 * Double(max(1, abs(c.logits[i])).ulp) : 0 }
      let gradientAtol: (Int) -> Double = { _ in soft ? 2 * Double(Float(1).ulp) : 0 }
      // Extreme logits: torch float64 computes log(1 + e^-|x|) without log1p, so it is
      // off by up to ~1e-16 absolute (it gives 0 for e^-50); and the gamma < 1 gradients it
      // returns are NaN (skipped; detkit must be finite there, which expectClose checks).
      let extreme = c.name == "extreme logits"
      let extremeAtol: (Int) -> Double = { i in extreme ? 2.3e-16 : valueAtol(i) }
      Golden.expectClose(
        result.values, c.float64, c.float32, gradient: false, rtol: Self.rtol, atol: Self.atol,
        extraAtol: extremeAtol, context + " values")
      Golden.expectClose(
        result.gradient, c.float64, c.float32, gradient: true, rtol: Self.rtol, atol: Self.atol,
        extraAtol: { i in extreme ? 2.3e-16 : gradientAtol(i) }, context + " gradient")
      if let sum = c.float64.sum {
        #expect(abs(result.sum - sum) <= 1e-6 * max(1, abs(sum)), "\(context) sum")
      }
    }
  }

  @Test(arguments: BackgroundConvention.allCases)
  func classLabelsMatchTorchOneHotUnderEveryConvention(convention: BackgroundConvention) throws {
    let golden = try Golden.load("losses_focal.json", as: FocalGolden.self)
    for c in golden.labels {
      // The golden labels use torchvision's codes; translate to the convention's.
      let labels = c.labels.map { label -> Int in
        guard convention != .torchvision else { return label }
        return label == -1 ? c.classes : (label == -2 ? -1 : label)
      }
      let loss = SigmoidFocalLoss(alpha: c.alpha, gamma: c.gamma)
      let result = try loss.evaluate(
        logits: c.logits, classCount: c.classes, labels: labels, convention: convention,
        reduction: .sum, outputs: [.values, .gradient])
      let context = "\(convention) C=\(c.classes) gamma \(c.gamma)"
      Golden.expectClose(
        result.values, c.float64, c.float32, gradient: false, rtol: Self.rtol, atol: Self.atol,
        context)
      Golden.expectClose(
        result.gradient, c.float64, c.float32, gradient: true, rtol: Self.rtol, atol: Self.atol,
        context)
      #expect(
        result.count == labels.filter { $0 != -2 && (convention == .torchvision || $0 >= 0) }.count
          * c.classes)
    }
  }

  @Test func referenceVectorsTV2() throws {
    let x: [Float] = [-3, -1, 0, 1, 3, -4.59511985013459, 20, -20]
    let t: [Float] = [0, 1, 1, 0, 1, 0, 0, 1]
    let r = try SigmoidFocalLoss().evaluate(
      logits: x, targets: t, reduction: .none, outputs: [.values, .gradient])
    let loss = [
      8.19624933727e-05, 0.175467075853, 0.043321698785, 0.526401227559,
      2.73208311242e-05, 7.53775189013e-07, 14.9999999397, 4.9999999799,
    ]
    let grad = [
      2.36153884866e-04, -0.1920586808, -0.074571698785, 0.576176042399,
      -7.87179616221e-05, 2.24247487424e-06, 0.750000057197, -0.250000019066,
    ]
    for i in x.indices {
      // 3e-6 relative: the inputs are rounded to Float (x = -4.595119... moves by 2e-7).
      #expect(abs(Double(r.values[i]) - loss[i]) <= 3e-6 * loss[i], "loss[\(i)]")
      #expect(abs(Double(r.gradient[i]) - grad[i]) <= 3e-6 * abs(grad[i]), "gradient[\(i)]")
    }
    // Float32 extremes from REFERENCE.md, exactly.
    let e = try SigmoidFocalLoss().evaluate(
      logits: [100, -100, 50], targets: [0, 1, 1], reduction: .none, outputs: [.values, .gradient])
    #expect(e.values == [75, 25, 0])
    #expect(e.gradient == [0.75, -0.25, 0])
  }

  @Test func priorInitialisationLosses() throws {
    let b = Float(priorBias(probability: 0.01))
    let r = try SigmoidFocalLoss().evaluate(
      logits: [b, b], targets: [0, 1], reduction: .none, outputs: .values)
    #expect(abs(Double(r.values[0]) - 7.537751890125856e-07) <= 1e-6 * 7.537751890125856e-07)
    #expect(abs(Double(r.values[1]) - 1.1283818248217319) <= 1e-6 * 1.1283818248217319)
  }

  /// Central differences of the Double reference (h = 1e-5 x max(1, |x|)) against the
  /// analytic Float gradient, on seeded random logits, soft targets and parameters,
  /// including gamma < 1. Tolerance 1e-4 relative + 1e-7: the analytic value is a Float
  /// result (~1e-6) and the difference quotient's truncation error is O(h^2).
  @Test(arguments: [1, 2, 3, 4])
  func gradientMatchesFiniteDifferences(seed: UInt64) throws {
    var rng = SplitMix64(state: seed)
    let gamma = [0, 0.5, 1, 1.5, 2, 3][Int(rng.next() % 6)]
    let alpha = rng.uniform() < 0.3 ? -1 : rng.uniform()
    let n = 64
    let x = (0..<n).map { _ in Float(rng.uniform() * 16 - 8) }
    let t = (0..<n).map { i in i % 3 == 0 ? Float(rng.uniform()) : Float(rng.next() % 2) }
    let r = try SigmoidFocalLoss(alpha: Float(alpha), gamma: Float(gamma)).evaluate(
      logits: x, targets: t, reduction: .sum, outputs: .gradient)
    for i in 0..<n {
      let xi = Double(x[i])
      let ti = Double(t[i])
      let h = 1e-5 * max(1, abs(xi))
      let fd =
        (focalReference(xi + h, ti, alpha: alpha, gamma: gamma)
          - focalReference(xi - h, ti, alpha: alpha, gamma: gamma)) / (2 * h)
      #expect(
        abs(Double(r.gradient[i]) - fd) <= 1e-4 * abs(fd) + 1e-7,
        "seed \(seed) x \(xi) t \(ti) alpha \(alpha) gamma \(gamma): \(r.gradient[i]) vs \(fd)")
    }
  }

  @Test(arguments: [Float(0), 0.25, 0.5, 0.9, 1, 2, 5])
  func finiteForEveryFiniteLogit(gamma: Float) throws {
    let extremes: [Float] = [
      .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e30, -1e30, 1e4, -1e4, 88.8, -88.8,
      87.4, -87.4, 0, -0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude,
    ]
    for alpha: Float in [-1, 0, 0.25, 1] {
      let loss = SigmoidFocalLoss(alpha: alpha, gamma: gamma)
      for target: Float in [0, 1, 0.3] {
        let r = try loss.evaluate(
          logits: extremes, targets: extremes.map { _ in target }, reduction: .sum,
          outputs: [.values, .gradient])
        #expect(
          r.values.allSatisfy { $0.isFinite },
          "alpha \(alpha) gamma \(gamma) t \(target): \(r.values)")
        #expect(
          r.gradient.allSatisfy { $0.isFinite },
          "alpha \(alpha) gamma \(gamma) t \(target): \(r.gradient)")
        #expect(r.gradient.allSatisfy { abs($0) <= 1 + gamma })
        let labels = try loss.evaluate(
          logits: extremes, classCount: 1, labels: extremes.map { _ in target == 1 ? 0 : -1 },
          convention: .torchvision, reduction: .sum, outputs: [.values, .gradient])
        #expect(
          labels.values.allSatisfy { $0.isFinite } && labels.gradient.allSatisfy { $0.isFinite })
      }
    }
  }

  @Test func reductionsAndNormalizerScaleLossAndGradient() throws {
    let x: [Float] = [-2, 0.5, 3, -0.25, 1, -4]
    let t: [Float] = [0, 1, 0, 1, 0.5, 0]
    let loss = SigmoidFocalLoss()
    let sum = try loss.evaluate(
      logits: x, targets: t, reduction: .sum, outputs: [.values, .gradient])
    let mean = try loss.evaluate(logits: x, targets: t, reduction: .mean, outputs: .gradient)
    let normalized = try loss.evaluate(
      logits: x, targets: t, reduction: .sum, normalizer: 4, outputs: .gradient)
    let none = try loss.evaluate(logits: x, targets: t, reduction: .none, outputs: .gradient)
    let manual = sum.values.reduce(0.0) { $0 + Double($1) }
    #expect(abs(sum.sum - manual) <= 1e-7 * manual)
    #expect(abs(Double(mean.loss) - manual / 6) <= 1e-6 * manual)
    #expect(abs(Double(normalized.loss) - manual / 4) <= 1e-6 * manual)
    #expect(none.loss == sum.loss && none.gradient == sum.gradient)
    for i in x.indices {
      #expect(abs(mean.gradient[i] - sum.gradient[i] / 6) <= 1e-7)
      #expect(abs(normalized.gradient[i] - sum.gradient[i] / 4) <= 1e-7)
    }
    let empty = try loss.evaluate(
      logits: [], targets: [], reduction: .mean, outputs: [.values, .gradient])
    #expect(empty.loss == 0 && empty.count == 0 && empty.values.isEmpty)
    let allIgnored = try loss.evaluate(
      logits: [1, 2, 3], classCount: 3, labels: [-2], convention: .torchvision, reduction: .mean,
      outputs: .gradient)
    #expect(allIgnored.loss == 0 && allIgnored.count == 0 && allIgnored.gradient == [0, 0, 0])
  }

  @Test func binaryCrossEntropyIsGammaZeroWithoutAlpha() throws {
    let x: [Float] = [-3, -0.5, 0, 0.5, 7]
    let t: [Float] = [0, 1, 0.25, 1, 0]
    let r = try SigmoidFocalLoss.binaryCrossEntropy.evaluate(
      logits: x, targets: t, reduction: .none, outputs: .values)
    for i in x.indices {
      let xi = Double(x[i])
      let ti = Double(t[i])
      let bce = max(xi, 0) - xi * ti + log1p(exp(-abs(xi)))
      #expect(abs(Double(r.values[i]) - bce) <= 1e-6 * bce)
    }
  }

  @Test func badInputsThrowWithLocation() {
    let loss = SigmoidFocalLoss()
    #expect(throws: LossError.self) {
      try loss.evaluate(logits: [1, 2], targets: [1], reduction: .sum)
    }
    #expect {
      try loss.evaluate(
        logits: [0, 0, 0, 0], classCount: 2, labels: [0, 2], convention: .torchvision,
        reduction: .sum)
    } throws: { error in
      (error as? LossError)?.code == .invalidLabel && "\(error)".hasPrefix("labels[1]:")
    }
    #expect(throws: LossError.self) {
      try loss.evaluate(
        logits: [0, 0, 0, 0], classCount: 2, labels: [3, 0], convention: .detectron2,
        reduction: .sum)
    }
    #expect(throws: LossError.self) {
      try loss.evaluate(
        logits: [0, 0, 0], classCount: 2, labels: [0, 1], convention: .mmdetection, reduction: .sum)
    }
  }

  /// The gamma = 2 label path (a cheaper kernel for all-negative lanes) against the
  /// one-hot soft-target path: the same loss bits, and gradients within 4 ulp (the soft
  /// path forms `p q / m` and `p (1 - t) - q t`, the label path folds the normalizer into
  /// the alpha weight), on logits up to the extremes.
  @Test func gammaTwoLabelPathMatchesOneHotTargets() throws {
    var rng = SplitMix64(state: 7)
    let rows = 300
    let classes = 19
    var x = (0..<rows * classes).map { _ in Float(rng.uniform() * 40 - 20) }
    let extremes: [Float] = [1e30, -1e30, 88.8, -88.8, 87.4, -87.4, 0, -0.0, 1e-30, -1e4]
    for (k, e) in extremes.enumerated() { x[k * 37] = e }
    let labels = (0..<rows).map { _ in Int(rng.next() % UInt64(classes + 2)) - 2 }
    var targets = [Float](repeating: 0, count: rows * classes)
    for (row, label) in labels.enumerated() where label >= 0 { targets[row * classes + label] = 1 }
    let loss = SigmoidFocalLoss(alpha: 0.25, gamma: 2)
    let byLabel = try loss.evaluate(
      logits: x, classCount: classes, labels: labels, convention: .torchvision, reduction: .sum,
      normalizer: 3, outputs: [.values, .gradient])
    let oneHot = try loss.evaluate(
      logits: x, targets: targets, reduction: .sum, normalizer: 3, outputs: [.values, .gradient])
    for i in 0..<x.count {
      let ignored = labels[i / classes] == -2
      #expect(
        byLabel.values[i].bitPattern == (ignored ? 0 : oneHot.values[i].bitPattern),
        "values[\(i)] x \(x[i])")
      let g = ignored ? 0 : oneHot.gradient[i]
      #expect(abs(byLabel.gradient[i] - g) <= 4 * g.ulp, "gradient[\(i)] x \(x[i])")
    }
  }

  /// The accuracy bar, 1e-5 per element against float64, checked with margin on
  /// a dense sweep through the label path (the fast gamma-2 negative lanes and the
  /// positives): every logit k / 250 of the W-FPN benchmark plus [-40, 40] in steps of
  /// 1/64, against the stable formula in `Double`. Elements whose exact value is below
  /// 1e-30 are left out: their float32 results are (correctly) subnormal or 0. Measured:
  /// 1.4e-6 for values, 1.7e-6 for gradients (the far tails, where the loss is e^(3x)).
  @Test func labelPathRelativeErrorAgainstDouble() throws {
    let sweep = (-1000...1000).map { Float($0) / 250 } + (-2560...2560).map { Float($0) / 64 }
    let classes = 8
    var logits: [Float] = []
    var labels: [Int] = []
    for (k, x) in sweep.enumerated() {
      logits += [Float](repeating: x, count: classes)
      // Alternately background, and positive in column k % classes.
      labels.append(k % 2 == 0 ? -1 : k % classes)
    }
    let r = try SigmoidFocalLoss(alpha: 0.25, gamma: 2).evaluate(
      logits: logits, classCount: classes, labels: labels, convention: .torchvision,
      reduction: .sum,
      outputs: [.values, .gradient])
    var worstValue = 0.0
    var worstGradient = 0.0
    for i in logits.indices {
      let x = Double(logits[i])
      let t: Double = labels[i / classes] == i % classes ? 1 : 0
      let p = 1 / (1 + Foundation.exp(-x))
      let ce = max(x, 0) - x * t + Foundation.log1p(Foundation.exp(-abs(x)))
      let m = p * (1 - t) + (1 - p) * t
      let alpha = t == 1 ? 0.25 : 0.75
      let value = alpha * m * m * ce
      let gradient = alpha * (2 * m * p * (1 - p) * (1 - 2 * t) * ce + m * m * (p - t))
      if value > 1e-30 { worstValue = max(worstValue, abs(Double(r.values[i]) - value) / value) }
      if abs(gradient) > 1e-30 {
        worstGradient = max(worstGradient, abs(Double(r.gradient[i]) - gradient) / abs(gradient))
      }
    }
    #expect(worstValue <= 3e-6, "values: max relative error \(worstValue)")
    #expect(worstGradient <= 3e-6, "gradients: max relative error \(worstGradient)")
  }

  /// Each combination of requested outputs runs its own specialised loop: all four give
  /// the same sum, and the values and gradients of the full run where they are written.
  @Test(arguments: [0.5, 2] as [Float])
  func everyOutputCombinationAgrees(gamma: Float) throws {
    var rng = SplitMix64(state: 5)
    let rows = 500
    let classes = 21
    let x = (0..<rows * classes).map { _ in Float(rng.uniform() * 16 - 8) }
    let labels = (0..<rows).map { _ in Int(rng.next() % UInt64(classes + 2)) - 2 }
    let loss = SigmoidFocalLoss(alpha: 0.25, gamma: gamma)
    func run(_ outputs: LossOutputs) throws -> LossResult {
      try loss.evaluate(
        logits: x, classCount: classes, labels: labels, convention: .torchvision, reduction: .sum,
        normalizer: 7, outputs: outputs)
    }
    let full = try run([.values, .gradient])
    #expect(full.values.count == x.count && full.gradient.count == x.count)
    #expect(full.values.contains { $0 != 0 } && full.gradient.contains { $0 != 0 })
    let valuesOnly = try run(.values)
    let gradientOnly = try run(.gradient)
    let sumOnly = try run([])
    #expect(valuesOnly.values == full.values && valuesOnly.gradient.isEmpty)
    #expect(gradientOnly.gradient == full.gradient && gradientOnly.values.isEmpty)
    #expect([valuesOnly.sum, gradientOnly.sum, sumOnly.sum].allSatisfy { $0 == full.sum })
  }

  /// Fixed chunking: the same sums and gradients, bit for bit, whatever the concurrency.
  @Test func resultsDoNotDependOnThreadCount() throws {
    var rng = SplitMix64(state: 11)
    let rows = 1_000
    let classes = 80
    let x = (0..<rows * classes).map { _ in Float(rng.uniform() * 12 - 8) }
    let labels = (0..<rows).map { _ in Int(rng.next() % 82) - 2 }
    let targets = (0..<rows * classes).map { _ in Float(rng.uniform()) }
    let loss = SigmoidFocalLoss()
    var reference: (LossResult, LossResult)?
    for threads in [1, 2, 3, 8] {
      let byLabel = try x.withUnsafeBufferPointer { xb in
        try labels.withUnsafeBufferPointer { lb in
          try loss.evaluate(
            logits: xb, classCount: classes, labels: lb, convention: .torchvision, reduction: .sum,
            normalizer: 1, values: nil, gradient: nil, maxConcurrency: threads)
        }
      }
      let soft = try loss.evaluate(
        logits: x, targets: targets, reduction: .mean, normalizer: 1, outputs: .gradient,
        maxConcurrency: threads)
      if let (a, b) = reference {
        #expect(byLabel.sum == a.sum, "threads \(threads)")
        #expect(soft.sum == b.sum && soft.gradient == b.gradient, "threads \(threads)")
      } else {
        reference = (byLabel, soft)
      }
    }
  }
}
