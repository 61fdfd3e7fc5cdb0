import DetGeometry
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

/// Value and derivative of one focal element in Double, stable for every finite `x` (no
/// `1 - p`: `p` and `q` each come from `e^-|x|`), from the definition: `m = 1 - p_t`,
/// `d m^gamma / dx = gamma m^gamma (p q / m) (1 - 2t)` with `p q / m` written as `q` (t = 0)
/// or `p` (t = 1), and `d ce / dx = p - t`.
private func focalDouble(
  _ x: Double, _ t: Double, alpha: Double, gamma: Double
) -> (value: Double, gradient: Double) {
  let e = exp(-abs(x))
  let (p, q) = x >= 0 ? (1 / (1 + e), e / (1 + e)) : (e / (1 + e), 1 / (1 + e))
  let ce = max(x, 0) - x * t + log1p(e)
  let m = p * (1 - t) + q * t
  let at = alpha < 0 ? 1 : alpha * t + (1 - alpha) * (1 - t)
  let mg = pow(m, gamma)
  let ratio = t == 0 ? q : (t == 1 ? p : p * q / m)
  let value = at * mg * ce
  let gradient = at * (gamma * mg * ratio * (1 - 2 * t) * ce + mg * (p * (1 - t) - q * t))
  return (value, gradient)
}

/// Logits over the whole float range, each with its negation: the largest float, huge
/// values, both sides of `e^-|x|`'s cut-offs (87.34, 87.68) and of `exp`'s overflow, the
/// smallest normal and subnormal floats, and 0 / -0.
private let wholeRange: [Float] = {
  let magnitudes: [Float] = [
    .greatestFiniteMagnitude, 3e38, 1e38, 1e35, 1e30, 1e20, 1e10, 1e6, 1e4, 1000, 100, 89,
    88.8, 88, 87.7, 87.5, 87.4, 87.3, 60, 30, 17, 5, 1, 0.25, 1e-5, 1e-30,
    .leastNormalMagnitude, .leastNonzeroMagnitude, 0,
  ]
  return magnitudes + magnitudes.map { -$0 }
}()

extension SigmoidFocalLoss {
  /// The label path with its inner loop forced to `variant` (the public function uses
  /// `KernelVariant.active`). The kernel gets only the buffers in `outputs`; the result's
  /// `values` and `gradient` are always full-length, NaN where nothing was written.
  func evaluate(
    logits: [Float], classCount: Int, labels: [Int], convention: BackgroundConvention,
    reduction: Reduction, normalizer: Double = 1, variant: KernelVariant,
    maxConcurrency: Int? = nil, outputs: LossOutputs = [.values, .gradient]
  ) throws -> LossResult {
    var values = [Float](repeating: .nan, count: logits.count)
    var gradient = [Float](repeating: .nan, count: logits.count)
    var result = try logits.withUnsafeBufferPointer { x in
      try labels.withUnsafeBufferPointer { l in
        try values.withUnsafeMutableBufferPointer { v in
          try gradient.withUnsafeMutableBufferPointer { g in
            try evaluate(
              logits: x, classCount: classCount, labels: l, convention: convention,
              reduction: reduction, normalizer: normalizer,
              values: outputs.contains(.values) ? v : nil,
              gradient: outputs.contains(.gradient) ? g : nil,
              maxConcurrency: maxConcurrency, variant: variant)
          }
        }
      }
    }
    (result.values, result.gradient) = (values, gradient)
    return result
  }
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
  /// one-hot soft-target path, on logits up to the extremes: values and gradients within
  /// 12 ulp. The label path's negative lanes fuse their multiply-adds (one rounding each)
  /// and the soft path does not, so `exp` and `log1p` round differently inside, and the
  /// loss multiplies `p` twice and `ce` once. Over every finite float the fused lanes are
  /// within 10 ulp of the unfused kernel's, which gave the soft path's loss bits; here
  /// measured at most 8 ulp, for values and for gradients, over 600,000 random logits in
  /// [-90, 90]. (The soft path also forms `p q / m` and `p (1 - t) - q t`, and the label
  /// path folds the normalizer into the alpha weight.)
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
      let v = ignored ? 0 : oneHot.values[i]
      let g = ignored ? 0 : oneHot.gradient[i]
      #expect(abs(byLabel.values[i] - v) <= 12 * v.ulp, "values[\(i)] x \(x[i])")
      #expect(abs(byLabel.gradient[i] - g) <= 12 * g.ulp, "gradient[\(i)] x \(x[i])")
    }
  }

  /// The accuracy bar, 1e-5 per element against float64, checked with margin on
  /// a dense sweep through the label path (the fast gamma-2 negative lanes and the
  /// positives): every logit k / 250 of the W-FPN benchmark plus [-40, 40] in steps of
  /// 1/64, against the stable formula in `Double`. Elements whose exact value is below
  /// 1e-30 are left out: their float32 results are (correctly) subnormal or 0. C = 80
  /// puts every element on the 16-lane kernels, 83 adds a scalar tail, 8 is all tail.
  /// Measured at each: 1.38e-6 for values, 1.65e-6 for gradients (the far tails, where
  /// the loss is e^(3x)). Every kernel variant this CPU runs is checked.
  @Test(arguments: [80, 83, 8, 16, 17], KernelVariant.supported)
  func labelPathRelativeErrorAgainstDouble(classes: Int, variant: KernelVariant) throws {
    let sweep = (-1000...1000).map { Float($0) / 250 } + (-2560...2560).map { Float($0) / 64 }
    var logits: [Float] = []
    var labels: [Int] = []
    for (k, x) in sweep.enumerated() {
      logits += [Float](repeating: x, count: classes)
      // Alternately background, and positive in column k % classes.
      labels.append(k % 2 == 0 ? -1 : k % classes)
    }
    let r = try SigmoidFocalLoss(alpha: 0.25, gamma: 2).evaluate(
      logits: logits, classCount: classes, labels: labels, convention: .torchvision,
      reduction: .sum, variant: variant)
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
    #expect(worstValue <= 3e-6, "\(variant) values: max relative error \(worstValue)")
    #expect(worstGradient <= 3e-6, "\(variant) gradients: max relative error \(worstGradient)")
  }

  /// Values and gradients against Double over the whole float range, on the 16-lane
  /// kernels and the scalar tail (C = 32, 80: kernel only; 37, 83: with a tail), for the
  /// label path and the soft-target path (one-hot, and soft targets 0.25, 0.5, 0.75), for
  /// every kind of gamma. Tolerance: the documented 3e-6 relative per element plus 1e-37
  /// absolute (e^-|x| is 0 below 1.2e-38); soft targets add float32's rounding of `x t`
  /// and `p - t`. Before the fix the
  /// gamma-2 label path leaked `2.36e-38 x` into the gradient of a huge negative logit
  /// (6.04 instead of 0.75 at 3e38). The label path runs on every kernel variant this
  /// CPU runs (C = 16 and 17 add a row of exactly one group, and one group plus a tail).
  @Test(arguments: [16, 17, 32, 37, 80, 83], [Float(0), 0.5, 1, 2, 2.5])
  func wholeFloatRangeMatchesDouble(classes: Int, gamma: Float) throws {
    let rows = 2 * wholeRange.count
    var logits = [Float](repeating: 0, count: rows * classes)
    for row in 0..<rows {
      for column in 0..<classes {
        logits[row * classes + column] = wholeRange[(7 * row + column) % wholeRange.count]
      }
    }
    // Background every third row, else a positive anywhere (kernel groups and tail).
    let labels = (0..<rows).map { row in row % 3 == 0 ? -1 : (11 * row) % classes }
    var oneHot = [Float](repeating: 0, count: logits.count)
    for (row, label) in labels.enumerated() where label >= 0 { oneHot[row * classes + label] = 1 }
    let soft = logits.indices.map { i in [0, 0.25, 0.5, 0.75, 1][(i / classes + i) % 5] as Float }
    let loss = SigmoidFocalLoss(alpha: 0.25, gamma: gamma)
    let normalizer = 2.0
    let byVariant = try KernelVariant.supported.map { variant in
      (
        "labels \(variant)",
        try loss.evaluate(
          logits: logits, classCount: classes, labels: labels, convention: .torchvision,
          reduction: .sum, normalizer: normalizer, variant: variant), oneHot
      )
    }
    let runs =
      byVariant + [
        (
          "labels",
          try loss.evaluate(
            logits: logits, classCount: classes, labels: labels, convention: .torchvision,
            reduction: .sum, normalizer: normalizer, outputs: [.values, .gradient]), oneHot
        ),
        (
          "one-hot",
          try loss.evaluate(
            logits: logits, targets: oneHot, reduction: .sum, normalizer: normalizer,
            outputs: [.values, .gradient]), oneHot
        ),
        (
          "soft",
          try loss.evaluate(
            logits: logits, targets: soft, reduction: .sum, normalizer: normalizer,
            outputs: [.values, .gradient]), soft
        ),
      ]
    for (name, r, targets) in runs {
      var failures = 0
      for i in logits.indices where failures < 5 {
        let (value, gradient) = focalDouble(
          Double(logits[i]), Double(targets[i]), alpha: 0.25, gamma: Double(gamma))
        let g = gradient / normalizer
        // Soft targets: float32's `x t` and `p - t` round to about ulp(|x|) and ulp(1)
        // absolute, whatever the code (as in `matchesTorchAutogradOnSoftAndOneHotTargets`).
        let isSoft = targets[i] != 0 && targets[i] != 1
        let valueSlack = isSoft ? 2 * Double(max(1, abs(logits[i])).ulp) : 0
        let gradientSlack = isSoft ? 2 * Double(Float(1).ulp) / normalizer : 0
        let valueOK =
          abs(Double(r.values[i]) - value) <= 3e-6 * abs(value) + 1e-37 + valueSlack
        let gradientOK = abs(Double(r.gradient[i]) - g) <= 3e-6 * abs(g) + 1e-37 + gradientSlack
        if !valueOK || !gradientOK { failures += 1 }
        #expect(
          valueOK && gradientOK,
          """
          \(name) C \(classes) gamma \(gamma): [\(i / classes), \(i % classes)] x \(logits[i]) \
          t \(targets[i]): value \(r.values[i]) vs \(value), gradient \(r.gradient[i]) vs \(g)
          """)
      }
    }
  }

  /// The case: an all-negative row (label -1) of C = 32 logits of 3e38 and 1e35;
  /// torch gives the gradient 0.75 for both (1 - alpha, p = 1, q ce = 0).
  @Test func hugeNegativeLogitHasTorchsGradient() throws {
    for x: Float in [3e38, 1e35, .greatestFiniteMagnitude] {
      let r = try SigmoidFocalLoss().evaluate(
        logits: [Float](repeating: x, count: 32), classCount: 32, labels: [-1],
        convention: .torchvision, reduction: .sum, outputs: .gradient)
      #expect(r.gradient.allSatisfy { $0 == 0.75 }, "x \(x): \(r.gradient)")
    }
  }

  /// Under `--non-finite propagate` an infinite logit goes through the formulas in IEEE
  /// arithmetic, which gives torch's results (the CLI's `--help` says so): for gamma > 0
  /// the gradient is NaN (the product rule's 0 * inf); for gamma = 0 it is the finite limit
  /// `alpha_t (p - t)`. The loss is +inf or NaN. Other elements are unaffected. Infinities
  /// sit in the first and second 16-lane groups and in the tail (C = 37), as negatives and
  /// positives.
  @Test(arguments: [Float(0), 0.5, 2])
  func infiniteLogitsGiveTorchsGradient(gamma: Float) throws {
    let classes = 37
    let planted: [(row: Int, column: Int, value: Float)] = [
      (0, 3, .infinity), (0, 20, -.infinity), (0, 35, .infinity),
      (1, 3, -.infinity), (1, 5, .infinity), (1, 36, -.infinity),
      (2, 20, .infinity), (2, 21, -.infinity), (3, 34, .infinity), (3, 35, -.infinity),
      (4, 3, .infinity), (5, 36, -.infinity),
    ]
    // Row 0 background; positives at an infinite logit (rows 1, 2, 4, 5) and next to one.
    let labels = [-1, 3, 20, 35, 3, 36]
    var rng = SplitMix64(state: 3)
    var logits = (0..<labels.count * classes).map { _ in Float(rng.uniform() * 8 - 4) }
    for p in planted { logits[p.row * classes + p.column] = p.value }
    var oneHot = [Float](repeating: 0, count: logits.count)
    for (row, label) in labels.enumerated() where label >= 0 { oneHot[row * classes + label] = 1 }
    let alpha: Float = 0.25
    let loss = SigmoidFocalLoss(alpha: alpha, gamma: gamma)
    let byLabel = try loss.evaluate(
      logits: logits, classCount: classes, labels: labels, convention: .torchvision,
      reduction: .sum, outputs: [.values, .gradient])
    let byTarget = try loss.evaluate(
      logits: logits, targets: oneHot, reduction: .sum, outputs: [.values, .gradient])
    for (name, r) in [("labels", byLabel), ("one-hot", byTarget)] {
      #expect(!r.sum.isFinite)
      for i in logits.indices {
        let x = logits[i]
        let context = "\(name) gamma \(gamma) [\(i / classes), \(i % classes)] x \(x)"
        if x.isFinite {
          #expect(r.values[i].isFinite && r.gradient[i].isFinite, "\(context)")
          continue
        }
        #expect(!r.values[i].isFinite, "\(context): loss \(r.values[i])")
        let positive = oneHot[i] == 1
        if name == "labels" && gamma != 0.5 {
          // torch: (1 - t) x - log_sigmoid(x) is +inf only for (+inf, t = 0).
          let torchLoss: Float = x > 0 && !positive ? .infinity : .nan
          #expect(
            r.values[i].bitPattern == torchLoss.bitPattern
              || (r.values[i].isNaN && torchLoss.isNaN), "\(context): loss \(r.values[i])")
        }
        if gamma > 0 {
          #expect(r.gradient[i].isNaN, "\(context): gradient \(r.gradient[i])")
        } else {
          // alpha_t (p - t): p is 1 at +inf and 0 at -inf.
          let limit: Float =
            positive ? (x > 0 ? 0 : -alpha) : (x > 0 ? 1 - alpha : 0)
          #expect(r.gradient[i] == limit, "\(context): gradient \(r.gradient[i])")
        }
      }
    }
  }

  /// The reduction's stated bound: the label path adds each row's 16-lane groups in Float
  /// (a term takes at most C / 16 - 1 additions in its lane and 4 in the tree of halves
  /// that sums the lanes) and the soft path blocks of 256 elements (at most 15 + 15), then
  /// everything in Double. All terms are >= 0, so the sum's relative error against the
  /// exact sum of the returned per-element values is at most (C / 16 + 3) 2^-24 and
  /// 30 * 2^-24 respectively.
  @Test(arguments: [80, 83, 1203])
  func floatPartialSumsStayWithinTheStatedBound(classes: Int) throws {
    var rng = SplitMix64(state: 11)
    let rows = 300
    let logits = (0..<rows * classes).map { _ in Float(rng.uniform() * 12 - 6) }
    let labels = (0..<rows).map { _ in Int(rng.next() % UInt64(classes + 1)) - 1 }
    var oneHot = [Float](repeating: 0, count: logits.count)
    for (row, label) in labels.enumerated() where label >= 0 { oneHot[row * classes + label] = 1 }
    let loss = SigmoidFocalLoss()
    let byLabel = try loss.evaluate(
      logits: logits, classCount: classes, labels: labels, convention: .torchvision,
      reduction: .sum, outputs: .values)
    let byTarget = try loss.evaluate(
      logits: logits, targets: oneHot, reduction: .sum, outputs: .values)
    let u = 0x1p-24
    for (r, bound) in [
      (byLabel, Double(classes / 16 + 3) * u), (byTarget, 30 * u),
    ] {
      let exact = r.values.reduce(0.0) { $0 + Double($1) }
      #expect(abs(r.sum - exact) <= bound * exact, "\(r.sum) vs \(exact)")
    }
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
