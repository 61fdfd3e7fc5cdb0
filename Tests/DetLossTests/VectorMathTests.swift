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

  @Test func expNegatedIsExpOfTheNegation() {
    // 58.57094 * log2(e) rounds to 84.5: a tie, which both must round the same way.
    let magnitudes = sweep(0, 87.33654, count: 200_000) + [87.33654, 1e-30, 0.5, 1, 58.57094]
    let got = lanes(magnitudes, VectorMath.expNegated)
    let expected = lanes(magnitudes.map { -$0 }, VectorMath.exp)
    #expect(zip(got, expected).allSatisfy { $0.bitPattern == $1.bitPattern })
    #expect(lanes([.nan], VectorMath.expNegated)[0].isNaN)
  }

  /// Past the cut-off `expNegated` stops at its smallest value, a normal float within
  /// 1.2e-38 of the true (smaller) value, where `exp` returns 0.
  @Test func expNegatedPastTheCutOffStaysAtItsSmallestNormalValue() {
    let floor = lanes([87.33654], VectorMath.expNegated)[0]
    #expect(floor.isNormal && floor < 1.2e-38)
    let huge: [Float] = [87.34, 100, 1e4, 1e30, .greatestFiniteMagnitude, .infinity]
    #expect(lanes(huge, VectorMath.expNegated).allSatisfy { $0 == floor })
  }

  @Test func log1pRelativeErrorOnUnitInterval() {
    // Linear over [0, 1] and logarithmic down to the smallest normal float: the values
    // e^-|x| takes (`VectorMath.exp` never returns a subnormal).
    var us = sweep(0, 1, count: 400_000)
    var u: Float = 1
    for _ in 0..<1_500 where u >= Float.leastNormalMagnitude {
      us.append(u)
      u *= 0.93
    }
    let got = lanes(us, VectorMath.log1p)
    var worst = 0.0
    for (u, y) in zip(us, got) where u > 0 {
      let exact = Foundation.log1p(Double(u))
      worst = max(worst, abs(Double(y) - exact) / exact)
    }
    #expect(worst <= 3.6e-7, "max relative error \(worst)")
    #expect(lanes([0], VectorMath.log1p)[0] == 0)
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
