/// The per-image loss of torchvision's RetinaNet head (v1: `RetinaNetClassificationHead`
/// and `RetinaNetRegressionHead` with `_loss_type = "l1"`), composed from the element losses.
///
/// For one image with N anchors, C classes, per-anchor `labels` (class `0 ..< C`,
/// `-1` background, `-2` ignore, torchvision's encoding) and `P` positives:
/// - classification: `sum over anchors with label != -2, classes c of
///   focal(logit[i, c], target[i, c]) / max(1, P)`, with the one-hot target of the label
///   (``SigmoidFocalLoss``, alpha 0.25, gamma 2 by default);
/// - box: `sum over positives i, coordinates k of |delta[i, k] - target[i, k]| / max(1, P)`
///   on encoded deltas (``RegressionLoss/l1`` by default).
///
/// torchvision then averages each term over the images of a batch; ``batchCost(_:)`` does
/// that. Sums accumulate in `Double`.
public struct RetinaNetCriterion: Sendable, Hashable {
  /// The classification loss.
  public var focal: SigmoidFocalLoss
  /// The box regression loss on encoded deltas.
  public var regression: RegressionLoss

  /// torchvision's defaults: focal alpha 0.25, gamma 2; L1 box loss.
  public init(focal: SigmoidFocalLoss = SigmoidFocalLoss(alpha: 0.25, gamma: 2), regression: RegressionLoss = .l1) {
    self.focal = focal
    self.regression = regression
  }

  /// One image's losses and counts.
  public struct ImageLoss: Sendable, Hashable {
    /// The normalised classification loss.
    public var classification: Double
    /// The normalised box loss.
    public var box: Double
    /// Positive anchors.
    public var positives: Int
    /// Ignored anchors (label -2).
    public var ignored: Int

    /// `classification + box`.
    public var total: Double { classification + box }

    /// Creates a record.
    public init(classification: Double, box: Double, positives: Int, ignored: Int) {
      self.classification = classification
      self.box = box
      self.positives = positives
      self.ignored = ignored
    }
  }

  /// The losses of one image.
  ///
  /// - Parameters:
  ///   - logits: `N * classCount` classification logits, row-major.
  ///   - classCount: C > 0.
  ///   - deltas: `N * 4` predicted encoded deltas.
  ///   - labels: N labels (torchvision encoding).
  ///   - boxTargets: `N * 4` encoded targets (only positives' rows are read).
  /// - Throws: ``LossError`` `shapeMismatch` when a count disagrees with N, `invalidLabel`
  ///   for a label outside `-2 ..< C`.
  /// - Complexity: O(N C), the focal part split across cores.
  public func evaluate(
    logits: [Float], classCount: Int, deltas: [Float], labels: [Int], boxTargets: [Float]
  ) throws -> ImageLoss {
    let n = labels.count
    guard deltas.count == 4 * n else {
      throw LossError(.shapeMismatch, at: "bbox_deltas", "expected \(n) x 4 = \(4 * n) values, found \(deltas.count)")
    }
    guard boxTargets.count == 4 * n else {
      throw LossError(.shapeMismatch, at: "box_targets", "expected \(n) x 4 = \(4 * n) values, found \(boxTargets.count)")
    }
    var positives = 0
    var ignored = 0
    for l in labels {
      positives += l >= 0 ? 1 : 0
      ignored += l == -2 ? 1 : 0
    }
    let normalizer = LossNormalizer.perImage(positives: positives)
    let cls = try focal.evaluate(
      logits: logits, classCount: classCount, labels: labels, convention: .torchvision, reduction: .sum,
      normalizer: normalizer)
    var predicted: [Float] = []
    var targets: [Float] = []
    predicted.reserveCapacity(4 * positives)
    targets.reserveCapacity(4 * positives)
    for i in 0..<n where labels[i] >= 0 {
      predicted.append(contentsOf: deltas[(4 * i)..<(4 * i + 4)])
      targets.append(contentsOf: boxTargets[(4 * i)..<(4 * i + 4)])
    }
    let box = try regression.evaluate(predictions: predicted, targets: targets, reduction: .sum, normalizer: normalizer)
    return ImageLoss(
      classification: cls.sum / normalizer, box: box.sum / normalizer, positives: positives, ignored: ignored)
  }

  /// torchvision's batch cost: each term averaged over the images (0 for no images).
  ///
  /// - Complexity: O(images).
  public static func batchCost(_ images: [ImageLoss]) -> (classification: Double, box: Double) {
    guard !images.isEmpty else { return (0, 0) }
    let n = Double(images.count)
    return (images.reduce(0) { $0 + $1.classification } / n, images.reduce(0) { $0 + $1.box } / n)
  }
}
