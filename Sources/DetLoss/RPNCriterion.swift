import DetMatching

/// The per-image loss of torchvision's `RegionProposalNetwork.compute_loss`, composed from
/// the element losses, for one image.
///
/// A ``BalancedSampler`` (256 anchors, half positive at most, seeded: torch's own random
/// draw cannot be reproduced) picks S anchors among those matched `>= 0` (objectness 1)
/// and `-1` (objectness 0); `-2` anchors never take part. Then
/// - objectness: `sum over sampled of BCE-with-logits(logit[i], objectness[i]) / S`;
/// - box: `sum over sampled positives, coordinates of smoothL1_{1/9}(delta - target) / S`.
///
/// torchvision samples and normalises over the whole batch at once; per image, as here,
/// the two agree for a batch of one. ``RetinaNetCriterion/ImageLoss`` carries the result
/// (`classification` is the objectness term).
public struct RPNCriterion: Sendable, Hashable {
  /// Which anchors enter the loss.
  public var sampler: BalancedSampler
  /// The box loss (torchvision: smooth L1, beta 1/9).
  public var regression: RegressionLoss

  /// torchvision's defaults: 256 anchors, positive fraction 0.5, smooth L1 beta 1/9.
  public init(sampler: BalancedSampler = .rpn, regression: RegressionLoss = .smoothL1(beta: 1.0 / 9)) {
    self.sampler = sampler
    self.regression = regression
  }

  /// The losses of one image.
  ///
  /// - Parameters:
  ///   - logits: N objectness logits.
  ///   - deltas: `N * 4` predicted encoded deltas.
  ///   - matches: N matcher labels (row `>= 0`, -1, -2).
  ///   - boxTargets: `N * 4` encoded targets.
  ///   - generator: the sampler's random source.
  /// - Throws: ``LossError`` `shapeMismatch` when a count disagrees with N.
  /// - Complexity: O(N).
  public func evaluate(
    logits: [Float], deltas: [Float], matches: [Int], boxTargets: [Float], using generator: inout SeededGenerator
  ) throws -> RetinaNetCriterion.ImageLoss {
    let n = matches.count
    guard logits.count == n else {
      throw LossError(.shapeMismatch, at: "cls_logits", "expected \(n) x 1 objectness logits, found \(logits.count)")
    }
    guard deltas.count == 4 * n, boxTargets.count == 4 * n else {
      throw LossError(.shapeMismatch, at: "bbox_deltas", "expected \(n) x 4 = \(4 * n) values, found \(deltas.count)")
    }
    let sample = sampler.sample(matches, using: &generator)
    let sampled = sample.positives + sample.negatives
    let normalizer = Double(max(1, sampled.count))
    let objectness = try SigmoidFocalLoss.binaryCrossEntropy.evaluate(
      logits: sampled.map { logits[$0] }, classCount: 1,
      labels: sample.positives.map { _ in 0 } + sample.negatives.map { _ in -1 }, convention: .torchvision,
      reduction: .sum)
    var predicted: [Float] = []
    var targets: [Float] = []
    for i in sample.positives {
      predicted.append(contentsOf: deltas[(4 * i)..<(4 * i + 4)])
      targets.append(contentsOf: boxTargets[(4 * i)..<(4 * i + 4)])
    }
    let box = try regression.evaluate(predictions: predicted, targets: targets, reduction: .sum)
    let positives = matches.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
    let ignored = matches.reduce(0) { $0 + ($1 == -2 ? 1 : 0) }
    return RetinaNetCriterion.ImageLoss(
      classification: objectness.sum / normalizer, box: box.sum / normalizer, positives: positives, ignored: ignored)
  }
}
