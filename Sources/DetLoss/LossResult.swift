/// What a loss evaluation returns: the reduced loss, the parts it came from, and on
/// request the per-element losses and the gradient.
///
/// Vocabulary: a *loss* is the value of one element (one anchor x class, one box); the
/// *cost* is their mean over a batch (or the sum divided by a normaliser); an
/// *objective* adds regularisation, which detkit leaves to the training framework.
public struct LossResult: Sendable, Hashable {
  /// The reduced loss: the sum (for ``Reduction/sum`` and ``Reduction/none``) or the
  /// mean (for ``Reduction/mean``; 0 when ``count`` is 0), divided by the normaliser.
  public var loss: Float
  /// The plain sum of the per-element losses, accumulated in `Double` (the focal loss adds
  /// Float partial sums of up to one row or 256 elements first; ``SigmoidFocalLoss`` states
  /// the bound).
  public var sum: Double
  /// The number of elements that entered the sum (ignored elements excluded).
  public var count: Int
  /// The per-element losses (same layout as the prediction, or one per box for the
  /// IoU-family losses; ignored elements are 0), or empty when not requested.
  public var values: [Float]
  /// The gradient of ``loss`` with respect to the prediction (same layout as the
  /// prediction; ignored elements are 0), or empty when not requested. For
  /// ``Reduction/none`` it is the gradient of the sum, i.e. what autograd gives for
  /// `loss.backward(torch.ones_like(loss))`.
  public var gradient: [Float]

  /// Creates a result.
  public init(loss: Float, sum: Double, count: Int, values: [Float] = [], gradient: [Float] = []) {
    self.loss = loss
    self.sum = sum
    self.count = count
    self.values = values
    self.gradient = gradient
  }
}

/// Which outputs a loss evaluation fills besides the reduced value.
public struct LossOutputs: OptionSet, Sendable, Hashable {
  public let rawValue: Int
  public init(rawValue: Int) { self.rawValue = rawValue }

  /// The per-element losses (``LossResult/values``).
  public static let values = LossOutputs(rawValue: 1)
  /// The gradient with respect to the prediction (``LossResult/gradient``).
  public static let gradient = LossOutputs(rawValue: 2)

  /// Calls `body` with writable, zeroed buffers of `valueCount` per-element values and
  /// `gradientCount` gradient entries, each `nil` unless requested, and returns `body`'s
  /// result with the two arrays (empty when not requested). Every loss fills its outputs
  /// through this, so none allocates what was not asked for.
  ///
  /// - Complexity: O(valueCount + gradientCount) for the requested arrays, plus `body`.
  func withBuffers<R>(
    values valueCount: Int, gradient gradientCount: Int,
    _ body: (UnsafeMutableBufferPointer<Float>?, UnsafeMutableBufferPointer<Float>?) throws -> R
  ) rethrows -> (result: R, values: [Float], gradient: [Float]) {
    var values = [Float](repeating: 0, count: contains(.values) ? valueCount : 0)
    var gradient = [Float](repeating: 0, count: contains(.gradient) ? gradientCount : 0)
    let result = try values.withUnsafeMutableBufferPointer { v in
      try gradient.withUnsafeMutableBufferPointer { g in
        // An empty array still has a buffer: gate on what was requested.
        try body(contains(.values) ? v : nil, contains(.gradient) ? g : nil)
      }
    }
    return (result, values, gradient)
  }
}

extension Reduction {
  /// The factor that turns a sum of `count` elements into the reduced loss, before the
  /// normaliser: 1 for sum / none, `1 / count` for mean (0 when `count` is 0).
  func scale(count: Int, normalizer: Double) -> Double {
    precondition(
      normalizer > 0 && normalizer.isFinite,
      "normalizer must be positive and finite, got \(normalizer)")
    switch self {
    case .none, .sum: return 1 / normalizer
    case .mean: return count == 0 ? 0 : 1 / (Double(count) * normalizer)
    }
  }
}
