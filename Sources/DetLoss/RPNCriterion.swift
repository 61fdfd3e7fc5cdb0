import DetGeometry
import DetMatching
import DetSupport

/// The region proposal network's loss of a batch: anchor matching, a balanced sample of
/// positive and negative anchors, objectness binary cross-entropy on the sample and box
/// regression on its positives, with torchvision's or detectron2's normalisation and the
/// gradients for the objectness logits and the deltas.
///
/// Per image: anchors are matched with ``matcher`` (torchvision / detectron2:
/// `Matcher(0.7, 0.3, allow_low_quality_matches=True)`); ``sampler`` draws up to 256
/// anchors, at most half positive, from one ``SeededGenerator`` seeded with ``seed``
/// (images in batch order), or the image's precomputed ``Image/sample`` is used. The
/// objectness target is 1 for a sampled positive and 0 for a sampled negative. With
/// `O` the summed BCE over the sampled anchors of the batch, `R` the summed box loss
/// (smooth L1, beta 1/9, on `deltas - coder.encode(gt, anchor)`) over the sampled
/// positives, `S` the number of sampled anchors in the batch and `B` the number of images:
///
/// | ``Normalization`` | objectness cost | box cost |
/// |---|---|---|
/// | ``Normalization/torchvision`` | `O / S` (BCE mean) | `R / S` |
/// | ``Normalization/detectron2`` | `O / (batchSize * B)` | `R / (batchSize * B)` |
///
/// Degenerate cases: an image without ground truth has only negatives; a batch with no
/// sampled anchor costs 0 (torchvision's mean of nothing would be NaN).
public struct RPNCriterion: Sendable {
  /// How the summed losses become the batch cost (see the table above).
  public enum Normalization: Sendable, Hashable {
    /// Both sums divided by the number of sampled anchors in the batch.
    case torchvision
    /// Both sums divided by `sampler.batchSize * images`.
    case detectron2
  }

  /// The anchor matcher.
  public var matcher: IoUMatcher
  /// The per-image sampler.
  public var sampler: BalancedSampler
  /// The seed of the batch's sampling generator.
  public var seed: UInt64
  /// The box loss on the encoded deltas of sampled positives.
  public var boxLoss: RegressionLoss
  /// The delta coding (torchvision RPN: weights (1, 1, 1, 1)).
  public var coder: BoxCoder
  /// The normalisation.
  public var normalization: Normalization
  /// At most this many of a batch's images matched and evaluated at once (`nil`: every
  /// core; 1, the default: one after another on the caller's thread). Sampling runs in batch
  /// order on the caller's thread (one generator for the batch), so the loss is the same
  /// bits for any value.
  public var maxConcurrency: Int? = 1

  /// Creates a criterion; the defaults are torchvision's RPN.
  public init(
    matcher: IoUMatcher = .rpn,
    sampler: BalancedSampler = .rpn, seed: UInt64 = 0,
    boxLoss: RegressionLoss = .smoothL1(beta: 1.0 / 9),
    coder: BoxCoder = BoxCoder(), normalization: Normalization = .torchvision
  ) {
    self.matcher = matcher
    self.sampler = sampler
    self.seed = seed
    self.boxLoss = boxLoss
    self.coder = coder
    self.normalization = normalization
  }

  /// One image's inputs.
  public struct Image: Sendable {
    /// The `N` anchors.
    public var anchors: CriterionAnchors
    /// `M` ground-truth boxes, xyxy pixels.
    public var groundTruth: BoxArray
    /// Crowd / ignore boxes; they act only when ``IoUMatcher/ignoreIoFThreshold`` is set.
    public var ignoreBoxes: BoxArray
    /// `N` objectness logits.
    public var objectness: [Float]
    /// `N * 4` predicted deltas, row-major.
    public var deltas: [Float]
    /// A precomputed sample (e.g. the one another framework drew) instead of drawing one:
    /// its positives must be matched anchors and its negatives background anchors.
    public var sample: BalancedSampler.Sample?

    /// Creates the inputs of one image.
    public init(
      anchors: CriterionAnchors, groundTruth: BoxArray, ignoreBoxes: BoxArray = BoxArray(),
      objectness: [Float], deltas: [Float], sample: BalancedSampler.Sample? = nil
    ) {
      self.anchors = anchors
      self.groundTruth = groundTruth
      self.ignoreBoxes = ignoreBoxes
      self.objectness = objectness
      self.deltas = deltas
      self.sample = sample
    }
  }

  /// One image's part of the batch cost.
  public struct ImageLoss: Sendable, Hashable {
    /// The summed BCE over this image's sampled anchors.
    public var objectnessSum: Double
    /// The summed box loss over this image's sampled positives.
    public var boxSum: Double
    /// The per-anchor matches (ground-truth row, -1 background, -2 ignored).
    public var matches: [Int]
    /// The sampled anchors.
    public var sample: BalancedSampler.Sample
    /// Anchors labelled ignore by the matcher.
    public var ignored: Int
    /// The gradient of the batch cost with respect to this image's objectness, `N`.
    public var objectnessGradient: [Float]
    /// The gradient of the batch cost with respect to this image's deltas, `N * 4`.
    public var deltasGradient: [Float]
  }

  /// The batch cost and its parts.
  public struct Loss: Sendable, Hashable {
    /// The objectness cost.
    public var objectness: Double
    /// The box cost.
    public var box: Double
    /// `objectness + box`.
    public var total: Double { objectness + box }
    /// What both sums were divided by.
    public var normalizer: Double
    /// Sampled anchors over the batch.
    public var sampled: Int
    /// Sampled positives over the batch.
    public var sampledPositives: Int
    /// Per image, in batch order.
    public var images: [ImageLoss]
  }

  /// The cost of a batch (an array of per-image inputs).
  ///
  /// - Throws: ``LossError``: `shapeMismatch` for objectness or deltas of the wrong size,
  ///   `invalidLabel` for a precomputed sample out of range or not matching the labels
  ///   (locations like `batch[1].sample.positives[0]`); ``MatchingError`` from the matcher.
  /// - Complexity: matching plus O(N) per image.
  public func evaluate(_ batch: [Image]) throws -> Loss {
    // Matching per image in parallel, then sampling in batch order; each image's error is
    // thrown at its turn there, as the serial loop did.
    let matched = try orderedMap(count: batch.count, maxConcurrency: maxConcurrency) { i in
      Result { () throws -> MatchResult in try match(batch[i], at: i) }
    }
    var generator = SeededGenerator(seed: seed)
    var matches: [[Int]] = []
    var samples: [BalancedSampler.Sample] = []
    var ignored: [Int] = []
    for (i, image) in batch.enumerated() {
      let match = try matched[i].get()
      if let sample = image.sample {
        try Self.validate(sample, matches: match.matches, at: "batch[\(i)].sample")
        samples.append(sample)
      } else {
        samples.append(sampler.sample(match.matches, using: &generator))
      }
      matches.append(match.matches)
      ignored.append(match.statistics.ignored)
    }
    let sampled = samples.reduce(0) { $0 + $1.positives.count + $1.negatives.count }
    let normalizer: Double =
      switch normalization {
      case .torchvision: Double(max(1, sampled))
      case .detectron2: Double(max(1, sampler.batchSize * batch.count))
      }
    let images = try orderedMap(count: batch.count, maxConcurrency: maxConcurrency) { i in
      try imageLoss(
        batch[i], matches: matches[i], sample: samples[i], ignored: ignored[i],
        normalizer: normalizer)
    }
    return Loss(
      objectness: images.reduce(0) { $0 + $1.objectnessSum } / normalizer,
      box: images.reduce(0) { $0 + $1.boxSum } / normalizer, normalizer: normalizer,
      sampled: sampled,
      sampledPositives: samples.reduce(0) { $0 + $1.positives.count }, images: images)
  }

  /// Image `i`'s shape checks and matching.
  private func match(_ image: Image, at i: Int) throws -> MatchResult {
    let n = image.anchors.boxes.count
    guard image.objectness.count == n else {
      throw LossError(
        .shapeMismatch, at: "batch[\(i)].objectness",
        "expected \(n) values (one per anchor), found \(image.objectness.count)")
    }
    guard image.deltas.count == 4 * n else {
      throw LossError(
        .shapeMismatch, at: "batch[\(i)].deltas",
        "expected \(n) x 4 = \(4 * n) values (anchors x 4), found \(image.deltas.count)")
    }
    return try image.anchors.match(
      matcher, groundTruth: image.groundTruth, ignoreRegions: image.ignoreBoxes)
  }

  private static func validate(
    _ sample: BalancedSampler.Sample, matches: [Int], at location: String
  ) throws {
    for (name, rows, positive) in [
      ("positives", sample.positives, true), ("negatives", sample.negatives, false),
    ] {
      for (k, row) in rows.enumerated() {
        guard row >= 0 && row < matches.count else {
          throw LossError(
            .invalidLabel, at: "\(location).\(name)[\(k)]",
            "expected an anchor in 0..<\(matches.count), found \(row)")
        }
        guard positive ? matches[row] >= 0 : matches[row] == MatchLabel.background else {
          throw LossError(
            .invalidLabel, at: "\(location).\(name)[\(k)]",
            "anchor \(row) has match \(matches[row]); expected \(positive ? "a ground-truth row (>= 0)" : "background (-1)")"
          )
        }
      }
    }
  }

  private func imageLoss(
    _ image: Image, matches: [Int], sample: BalancedSampler.Sample, ignored: Int, normalizer: Double
  ) throws -> ImageLoss {
    let rows = sample.positives + sample.negatives
    let logits = rows.map { image.objectness[$0] }
    let targets = rows.map { matches[$0] >= 0 ? Float(1) : 0 }
    let bce = try SigmoidFocalLoss.binaryCrossEntropy.evaluate(
      logits: logits, targets: targets, reduction: .sum, normalizer: normalizer, outputs: .gradient)
    var objectnessGradient = [Float](repeating: 0, count: image.objectness.count)
    for (k, row) in rows.enumerated() where !bce.gradient.isEmpty {
      objectnessGradient[row] = bce.gradient[k]
    }
    var deltasGradient = [Float](repeating: 0, count: image.deltas.count)
    var boxSum = 0.0
    if !sample.positives.isEmpty {
      let positives = PositiveBoxes(
        rows: sample.positives, anchors: image.anchors.boxes, groundTruth: image.groundTruth,
        matches: matches,
        deltas: image.deltas)
      let box = try boxLoss.evaluate(
        predictions: positives.deltas,
        targets: coder.encode(positives.targets, relativeTo: positives.anchors),
        reduction: .sum, normalizer: normalizer, outputs: .gradient)
      deltasGradient = positives.scatter(box.gradient, into: image.deltas.count)
      boxSum = box.sum
    }
    return ImageLoss(
      objectnessSum: bce.sum, boxSum: boxSum, matches: matches, sample: sample, ignored: ignored,
      objectnessGradient: objectnessGradient, deltasGradient: deltasGradient)
  }
}
