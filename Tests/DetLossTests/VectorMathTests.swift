import Foundation
import Testing

@testable import DetLoss

/// Dense sweeps of the lane kernels against `Double` (Foundation's `exp` / `log1p` /
/// `log`, correctly rounded to well under a Float ulp). The asserted bounds are the ones
/// documented on `VectorMath`.
struct VectorMathTests {
  /// Applies a lane kernel to `inputs`, `FloatLanes.scalarCount` at a time.
  private func lanes(_ inputs: [Float], _ kernel: (FloatLanes) -> FloatLanes) -> [Float] {
    var out = [Float](repeating: 0, count: inputs.count)
    var i = 0
    while i < inputs.count {
      var v = FloatLanes()
      for k in 0..<FloatLanes.scalarCount where i + k < inputs.count { v[k] = inputs[i + k] }
      let r = kernel(v)
      for k in 0..<FloatLanes.scalarCount where i + k < inputs.count { out[i + k] = r[k] }
      i += FloatLanes.scalarCount
    }
    return out
  }

  /// Evenly spaced points over `[low, high]` plus every power-of-two boundary inside it.
  private func sweep(_ low: Float, _ high: Float, count: Int) -> [Float] {
    (0...count).map { low + (high - low) * Float($0) / Float(count) }
  }

  @Test func expRelativeErrorWithinDocumentedBound() {
    let xs = sweep(-87.3, 88.7, count: 400_000) + [0, -0.0, 1e-30, -1e-30, 88.72283, -87.33654]
    let got = lanes(xs, VectorMath.exp)
    var worst = 0.0
    for (x, y) in zip(xs, got) {
      let exact = Foundation.exp(Double(x))
      worst = max(worst, abs(Double(y) - exact) / exact)
    }
    #expect(worst <= 2.6e-7, "max relative error \(worst)")
  }

  @Test func expUnderflowsToZeroAndNeverNaN() {
    let got = lanes(
      [-87.34, -100, -1e4, -1e30, -.infinity, -Float.greatestFiniteMagnitude], VectorMath.exp)
    #expect(got == [0, 0, 0, 0, 0, 0])
    // Just above the cut-off the result is a normal float close to exp(x).
    let x: Float = -87.3
    let edge = lanes([x], VectorMath.exp)[0]
    let exact = Foundation.exp(Double(x))
    #expect(abs(Double(edge) - exact) <= 2.6e-7 * exact)
  }

  /// Past `ln(FLT_MAX)` = 88.7228391 the true value overflows: `+inf`, as `Foundation.exp`
  /// gives, for the first float above it, for large finite arguments and for `+inf`; the
  /// float just below it still gives a finite value within the documented error.
  @Test func expOverflowsToInfinityPastTheLargestFloat() {
    let over: [Float] = [
      88.722_84, 88.8, 89, 89.1, 100, 1e4, 1e30, .greatestFiniteMagnitude, .infinity,
    ]
    #expect(over.allSatisfy { Foundation.exp(Double($0)) > Double(Float.greatestFiniteMagnitude) })
    let got = lanes(over, VectorMath.exp)
    #expect(got.allSatisfy { $0 == .infinity }, "\(got)")
    let below: Float = 88.722_83
    let edge = lanes([below], VectorMath.exp)[0]
    let exact = Foundation.exp(Double(below))
    #expect(edge.isFinite && abs(Double(edge) - exact) <= 2.6e-7 * exact, "\(edge)")
    #expect(lanes([.nan], VectorMath.exp)[0].isNaN)
  }

  /// `expNegated` fuses its multiply-adds, so it is not `exp`'s bits: within `exp`'s
  /// documented relative error of `e^-a`, and within one ulp of `exp(-a)` (measured: they
  /// differ in 1.4% of 2,000,001 points of [0, 87.33654], never by more than one ulp).
  @Test func expNegatedIsWithinAnUlpOfExpOfTheNegation() {
    // 58.57094 * log2(e) rounds to 84.5: a tie in `exp`'s reduction.
    let magnitudes = sweep(0, 87.33654, count: 200_000) + [87.33654, 1e-30, 0.5, 1, 58.57094]
    let got = lanes(magnitudes, VectorMath.expNegated)
    let expected = lanes(magnitudes.map { -$0 }, VectorMath.exp)
    var worst = 0.0
    for (k, a) in magnitudes.enumerated() {
      let exact = Foundation.exp(-Double(a))
      worst = max(worst, abs(Double(got[k]) - exact) / exact)
      #expect(abs(got[k] - expected[k]) <= expected[k].ulp, "a \(a): \(got[k]) vs \(expected[k])")
    }
    #expect(worst <= 2.6e-7, "max relative error \(worst)")
    #expect(lanes([.nan], VectorMath.expNegated)[0].isNaN)
  }

  /// Past the cut-off `expNegated` gives `e^-a` rounded to a subnormal or 0, within
  /// 1.2e-38, and exactly 0 from 87.68 on (so `e^-a * a` vanishes for huge `a`, the focal
  /// gradient's `q ce`); `exp` there gives 0.
  @Test func expNegatedPastTheCutOffIsSubnormalOrZero() {
    let edge = sweep(87.336_55, 87.7, count: 2_000)
    for (a, y) in zip(edge, lanes(edge, VectorMath.expNegated)) {
      #expect(y >= 0 && !y.isNormal, "a \(a): \(y)")
      #expect(abs(Double(y) - Foundation.exp(-Double(a))) < 1.2e-38, "a \(a): \(y)")
    }
    let huge: [Float] = [
      87.7, 88, 88.5, 100, 1e4, 1e30, 1e35, 3e38, .greatestFiniteMagnitude, .infinity,
    ]
    #expect(lanes(huge, VectorMath.expNegated).allSatisfy { $0 == 0 })
  }

  /// Both forms, the multiply-adds rounded twice (`lanes`) and fused (the gamma = 2 focal
  /// kernel's negative lanes), meet the same bound.
  @Test(arguments: [false, true])
  func log1pRelativeErrorOnUnitInterval(fused: Bool) {
    // Linear over [0, 1] and logarithmic down to the smallest normal float: the values
    // e^-|x| takes (subnormals are checked below).
    var us = sweep(0, 1, count: 400_000)
    var u: Float = 1
    for _ in 0..<1_500 where u >= Float.leastNormalMagnitude {
      us.append(u)
      u *= 0.93
    }
    let got = lanes(us) { VectorMath.log1p($0, fused: fused) }
    var worst = 0.0
    for (u, y) in zip(us, got) where u > 0 {
      let exact = Foundation.log1p(Double(u))
      worst = max(worst, abs(Double(y) - exact) / exact)
    }
    #expect(worst <= 3.6e-7, "max relative error \(worst)")
    #expect(lanes([0]) { VectorMath.log1p($0, fused: fused) }[0] == 0)
    // Subnormal u (`expNegated` just past its cut-off): u within one subnormal step.
    let subnormals: [Float] = [
      .leastNonzeroMagnitude, 3 * .leastNonzeroMagnitude, Float.leastNormalMagnitude / 100,
      Float.leastNormalMagnitude * 0.7, Float.leastNormalMagnitude.nextDown,
    ]
    for (u, y) in zip(subnormals, lanes(subnormals) { VectorMath.log1p($0, fused: fused) }) {
      #expect(abs(y - u) <= Float.leastNonzeroMagnitude, "u \(u): \(y)")
    }
  }

  @Test func logErrorOverNormalFloats() {
    var xs = sweep(Float.leastNormalMagnitude, 4, count: 200_000)
    var x = Float.leastNormalMagnitude
    while x < Float.greatestFiniteMagnitude / 1.07 {
      xs.append(x)
      x *= 1.07
    }
    let got = lanes(xs, VectorMath.log)
    var worst = 0.0
    for (x, y) in zip(xs, got) {
      let exact = Foundation.log(Double(x))
      let bound = 2.4e-7 + 2 * Double(Float(exact).ulp)
      worst = max(worst, abs(Double(y) - exact) / bound)
    }
    #expect(worst <= 1, "worst error / documented bound = \(worst)")
  }
}
