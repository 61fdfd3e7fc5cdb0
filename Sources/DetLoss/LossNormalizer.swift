/// The divisors the detection frameworks apply to summed losses, as plain functions
/// (stateless) plus ``EMANormalizer`` (detectron2's running average).
///
/// A summed loss divided by one of these is the *cost* of the batch.
public enum LossNormalizer {
  /// torchvision RetinaNet: each image's summed loss is divided by
  /// `max(1, positives)` of that image (then the per-image costs are averaged). An
  /// image without ground truth is divided by 1.
  ///
  /// - Precondition: `positives >= 0`.
  /// - Complexity: O(1).
  public static func perImage(positives: Int) -> Double {
    precondition(positives >= 0, "positive count must be >= 0, got \(positives)")
    return Double(max(1, positives))
  }

  /// mmdetection: the batch sum is divided by `avgFactor + Float.ulpOfOne` (its
  /// `torch.finfo(torch.float32).eps` guard, 1.1920929e-07), where `avgFactor` is
  /// usually `sum over images of max(1, positives)` (``averageFactor(positivesPerImage:)``)
  /// or the sampled count.
  ///
  /// - Precondition: `avgFactor >= 0`.
  /// - Complexity: O(1).
  public static func mmdetection(avgFactor: Double) -> Double {
    precondition(avgFactor >= 0, "avg_factor must be >= 0, got \(avgFactor)")
    return avgFactor + Double(Float.ulpOfOne)
  }

  /// mmdetection's `avg_factor` with a pseudo sampler: the sum over images of
  /// `max(1, positives)`.
  ///
  /// - Complexity: O(images).
  public static func averageFactor(positivesPerImage: [Int]) -> Double {
    var total = 0
    for positives in positivesPerImage {
      precondition(positives >= 0, "positive count must be >= 0, got \(positives)")
      total += max(1, positives)
    }
    return Double(total)
  }
}

/// detectron2's normaliser for RetinaNet-style dense heads (`_ema_update` in
/// `dense_detector.py`): an exponential moving average of the batch's positive count,
/// `norm = momentum * norm + (1 - momentum) * max(positives, 1)`, starting at 100 with
/// momentum 0.9. Both the classification and box losses of a batch are divided by the
/// updated value. With 10 positives per batch it goes 91, 82.9, 75.61, 69.049, ...
///
/// A value type: copy it to branch a run; detectron2 does not all-reduce it across
/// processes, and neither does this.
public struct EMANormalizer: Sendable, Hashable {
  /// The current normaliser.
  public private(set) var value: Double
  /// The weight of the previous value, in [0, 1).
  public let momentum: Double

  /// Creates the normaliser.
  ///
  /// - Precondition: `initialValue > 0`, `0 <= momentum < 1`.
  public init(initialValue: Double = 100, momentum: Double = 0.9) {
    precondition(initialValue > 0, "initial normaliser must be > 0, got \(initialValue)")
    precondition(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got \(momentum)")
    value = initialValue
    self.momentum = momentum
  }

  /// Folds in one batch's positive count and returns the new normaliser.
  ///
  /// - Precondition: `positives >= 0`.
  /// - Complexity: O(1).
  @discardableResult
  public mutating func update(positives: Int) -> Double {
    precondition(positives >= 0, "positive count must be >= 0, got \(positives)")
    value = momentum * value + (1 - momentum) * Double(max(positives, 1))
    return value
  }
}
