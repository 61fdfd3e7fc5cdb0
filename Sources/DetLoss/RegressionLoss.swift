import DetSupport
import Foundation

/// Elementwise regression losses on a difference `d = prediction - target`, as box
/// regression heads use them on encoded deltas.
///
/// | loss | value | derivative w.r.t. the prediction |
/// |---|---|---|
/// | ``l1`` | `|d|` | `sign(d)`, 0 at `d = 0` (torch's `sgn`) |
/// | ``l2`` | `d^2` (torch `mse_loss`) | `2d` |
/// | ``smoothL1(beta:)`` | `0.5 d^2 / beta` if `|d| < beta`, else `|d| - 0.5 beta` | `d / beta` inside, `sign(d)` outside |
/// | ``huber(delta:)`` | `0.5 d^2` if `|d| < delta`, else `delta (|d| - 0.5 delta)` | `d` inside, `delta sign(d)` outside |
/// | ``balancedL1(alpha:gamma:beta:)`` | see the case | see the case |
///
/// Smooth L1 with `beta = 0` is exactly L1 with derivative 0 at `d = 0` and never NaN, as
/// torch's `F.smooth_l1_loss` (which tests `beta == 0`). fvcore instead routes every
/// `beta < 1e-5` to L1 because its `torch.where` form divides by `beta`; detkit follows
/// torch (the quadratic branch is finite for every `beta > 0`); the two differ by at
/// most `0.5 beta <= 5e-6` for those tiny betas. Huber is `beta * smoothL1` with
/// `beta = delta`.
public enum RegressionLoss: Sendable, Hashable {
  /// `|d|`.
  case l1
  /// `d^2` (no 1/2 factor, as torch's `mse_loss`).
  case l2
  /// Smooth L1 with transition point `beta >= 0` (torchvision RPN: 1/9; detectron2
  /// RetinaNet: 0.1 or 0).
  case smoothL1(beta: Float)
  /// Huber with `delta > 0` (torch `huber_loss`; TensorFlow's "smooth L1" is Huber 1).
  case huber(delta: Float)
  /// Balanced L1 (Libra R-CNN, mmdetection's `balanced_l1_loss`), on `x = |d|` with
  /// `b = e^(gamma / alpha) - 1`:
  /// `alpha / b (b x + 1) ln(b x / beta + 1) - alpha x` if `x < beta`, else
  /// `gamma x + gamma / b - alpha beta`. Derivative w.r.t. `x`:
  /// `alpha ln(b x / beta + 1) + alpha (b x + 1) / (b x + beta) - alpha` inside, `gamma`
  /// outside, times `sign(d)` (0 at `d = 0`).
  case balancedL1(alpha: Float = 0.5, gamma: Float = 1.5, beta: Float = 1)

  /// The loss of one element and its derivative with respect to the prediction.
  ///
  /// - Parameter d: `prediction - target`.
  /// - Returns: `(value, derivative)`; NaN in, NaN out.
  /// - Complexity: O(1).
  public func evaluate(difference d: Double) -> (value: Double, derivative: Double) {
    let x = Swift.abs(d)
    let sign: Double = d > 0 ? 1 : (d < 0 ? -1 : (d.isNaN ? .nan : 0))
    switch self {
    case .l1:
      return (x, sign)
    case .l2:
      return (d * d, 2 * d)
    case .smoothL1(let beta):
      precondition(beta >= 0, "smooth L1 beta must be >= 0, got \(beta)")
      let b = Double(beta)
      if x < b { return (0.5 * d * d / b, d / b) }
      return (x - 0.5 * b, sign)
    case .huber(let delta):
      precondition(delta > 0, "Huber delta must be > 0, got \(delta)")
      let h = Double(delta)
      if x < h { return (0.5 * d * d, d) }
      return (h * (x - 0.5 * h), h * sign)
    case .balancedL1(let alpha, let gamma, let beta):
      precondition(
        alpha > 0 && beta > 0, "balanced L1 needs alpha > 0 and beta > 0, got \(alpha), \(beta)")
      let a = Double(alpha)
      let g = Double(gamma)
      let be = Double(beta)
      let b = Foundation.exp(g / a) - 1
      if x < be {
        let value = a / b * (b * x + 1) * Foundation.log(b * x / be + 1) - a * x
        let slope = a * Foundation.log(b * x / be + 1) + a * (b * x + 1) / (b * x + be) - a
        return (value, slope * sign)
      }
      return (g * x + g / b - a * be, g * sign)
    }
  }

  /// Evaluates the loss over paired predictions and targets (any layout, e.g. `[N, 4]`
  /// encoded deltas flattened), reduces it and, on request, returns the per-element
  /// losses and the gradient with respect to `predictions`.
  ///
  /// Each element is computed in `Double` from the `Float` difference and rounded once;
  /// the sum is accumulated in `Double` over fixed chunks (deterministic for any core
  /// count).
  ///
  /// - Parameters:
  ///   - predictions: the predicted values.
  ///   - targets: the targets, same count.
  ///   - reduction: how to combine the elements (mean of none is 0).
  ///   - normalizer: the reduced loss and the gradient are divided by this (> 0), e.g.
  ///     the number of positive anchors.
  ///   - outputs: which of per-element values and gradient to fill.
  /// - Returns: the loss, its sum and count (`predictions.count`), and the outputs.
  /// - Throws: ``LossError`` (`shapeMismatch`) when the counts differ.
  /// - Complexity: O(n), split across cores for large n.
  public func evaluate(
    predictions: [Float], targets: [Float], reduction: Reduction, normalizer: Double = 1,
    outputs: LossOutputs = []
  ) throws -> LossResult {
    guard predictions.count == targets.count else {
      throw LossError(
        .shapeMismatch, at: "targets",
        "expected \(predictions.count) values (one per prediction), found \(targets.count)")
    }
    let n = predictions.count
    let scale = reduction.scale(count: n, normalizer: normalizer)
    let (sum, values, gradient) = outputs.withBuffers(values: n, gradient: n) { v, g in
      let (vp, gp) = (v?.baseAddress, g?.baseAddress)
      return predictions.withUnsafeBufferPointer { p in
        targets.withUnsafeBufferPointer { t in
          chunkedSum(count: n, chunkSize: 1 << 14) { range in
            var partial = 0.0
            for i in range {
              let (value, slope) = evaluate(difference: Double(p[i] - t[i]))
              partial += value
              vp?[i] = Float(value)
              gp?[i] = Float(slope * scale)
            }
            return partial
          }
        }
      }
    }
    return LossResult(
      loss: Float(sum * scale), sum: sum, count: n, values: values, gradient: gradient)
  }
}
