import DetGeometry
import DetMatching
import DetSupport
import Foundation

/// The whole RetinaNet head loss of a batch: anchor matching, sigmoid focal
/// classification over the non-ignored anchors, box regression on the positives, the
/// chosen framework's normalisation, and the gradients for the logits and the deltas.
///
/// Per image with `N` anchors and `C` classes: anchors are matched with ``matcher``
/// (torchvision default `Matcher(0.5, 0.4, allow_low_quality_matches=True)`); an anchor
/// matched to ground truth `g` is positive for class `labels[g]`, a background anchor has
/// an all-zero target row, an ignored anchor (between thresholds, or in an ignore box)
/// adds nothing. With `F` the summed focal loss over the non-ignored rows and `R` the
/// summed box loss over the positives:
///
/// | ``Normalization`` | batch classification cost | batch box cost |
/// |---|---|---|
/// | ``Normalization/torchvision`` | `1/B sum_i F_i / max(1, P_i)` | `1/B sum_i R_i / max(1, P_i)` |
/// | ``Normalization/mmdetection`` | `sum_i F_i / (sum_i max(1, P_i) + eps)` | same with `R` |
/// | ``Normalization/detectron2`` | `sum_i F_i / ema` | `sum_i R_i / ema` |
///
/// where `ema` is ``EMANormalizer`` updated with the batch's positives. The box loss
/// (``BoxLoss``) is L1 or smooth L1 on the encoded deltas (target
/// `coder.encode(gt, anchor)`), or GIoU between `coder.decode(deltas, anchor)` and the
/// ground truth (torchvision RetinaNet v2). torchvision's `RetinaNetHead.compute_loss`
/// is the ``torchvision`` configuration with ``BoxLoss/l1`` (v1) or ``BoxLoss/giou``
/// (v2) and the coder weights (1, 1, 1, 1).
///
/// Degenerate cases: an image without ground truth has all anchors background and is
/// divided by 1 (torchvision); an empty batch costs 0; logits of any finite magnitude
/// give finite losses and gradients.
public struct RetinaNetCriterion: Sendable {
  /// The box regression loss on positive anchors.
  public enum BoxLoss: Sendable, Hashable {
    /// `|deltas - encode(gt)|` (torchvision v1 `_loss_type="l1"`, mmdetection's `L1Loss`).
    case l1
    /// Smooth L1 on the deltas (detectron2 RetinaNet `smooth_l1` with beta 0.1).
    case smoothL1(beta: Float)
    /// GIoU loss of the decoded boxes against the ground truth (torchvision v2).
    case giou
  }

  /// How the summed losses become the batch cost (see the table above).
  public enum Normalization: Sendable, Hashable {
    /// Per image by `max(1, positives)`, averaged over images.
    case torchvision
    /// By mmdetection's `avg_factor`: the sum over images of `max(1, positives)`, plus
    /// `Float.ulpOfOne`.
    case mmdetection
    /// By detectron2's ``EMANormalizer``; use ``evaluate(_:ema:)``.
    case detectron2
  }

  /// The anchor matcher.
  public var matcher: IoUMatcher
  /// The classification loss (alpha 0.25, gamma 2).
  public var focal: SigmoidFocalLoss
  /// The box loss.
  public var boxLoss: BoxLoss
  /// The delta coding; ``BoxLoss/giou`` needs a ``BoxCoder/Convention/standard(weights:)``
  /// coder (its gradient goes through torchvision's decode).
  public var coder: BoxCoder
  /// The normalisation.
  public var normalization: Normalization
  /// Whether ``evaluate(_:)`` fills ``ImageLoss/logitsGradient``. Off for loss reports
  /// (forward only): the `N x C` gradient is the largest allocation of an evaluation
  /// (86 MB for W-FPN with 80 classes), and the costs are the same bits either way.
  public var computesLogitsGradient: Bool = true
  /// At most this many of a batch's images matched and evaluated at once (`nil`: every
  /// core; 1, the default: one after another on the caller's thread). Each image's work is
  /// independent and the batch sums and normaliser are taken in batch order afterwards, so
  /// the loss is the same bits for any value.
  public var maxConcurrency: Int? = 1

  /// Creates a criterion; the defaults are torchvision RetinaNet v1.
  ///
  /// - Precondition: ``BoxLoss/giou`` with a standard coder; smooth L1 beta `>= 0`.
  public init(
    matcher: IoUMatcher = .retinaNet,
    focal: SigmoidFocalLoss = SigmoidFocalLoss(alpha: 0.25, gamma: 2), boxLoss: BoxLoss = .l1,
    coder: BoxCoder = BoxCoder(), normalization: Normalization = .torchvision
  ) {
    if boxLoss == .giou {
      var standard = false
      if case .standard = coder.convention { standard = true }
      precondition(standard, "the GIoU box loss needs a standard (torchvision) BoxCoder")
    }
    if case .smoothL1(let beta) = boxLoss {
      precondition(beta >= 0, "smooth L1 beta must be >= 0, got \(beta)")
    }
    self.matcher = matcher
    self.focal = focal
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
    /// `M` contiguous class indices in `0 ..< C`.
    public var labels: [Int]
    /// Crowd / ignore boxes; they act only when ``IoUMatcher/ignoreIoFThreshold`` is set.
    public var ignoreBoxes: BoxArray
    /// `N * C` classification logits, row-major.
    public var logits: [Float]
    /// `N * 4` predicted deltas `(dx, dy, dw, dh)`, row-major.
    public var deltas: [Float]

    /// Creates the inputs of one image.
    public init(
      anchors: CriterionAnchors, groundTruth: BoxArray, labels: [Int],
      ignoreBoxes: BoxArray = BoxArray(),
      logits: [Float], deltas: [Float]
    ) {
      self.anchors = anchors
      self.groundTruth = groundTruth
      self.labels = labels
      self.ignoreBoxes = ignoreBoxes
      self.logits = logits
      self.deltas = deltas
    }
  }

  /// One image's part of the batch cost.
  public struct ImageLoss: Sendable, Hashable {
    /// The image's share of the batch classification cost: ``classificationSum`` / ``normalizer``.
    public var classification: Double
    /// The image's share of the batch box cost: ``boxSum`` / ``normalizer``.
    public var box: Double
    /// The summed focal loss over the non-ignored anchors.
    public var classificationSum: Double
    /// The summed box loss over the positives.
    public var boxSum: Double
    /// What this image's sums are divided by in the batch cost (torchvision: `B * max(1, P)`).
    public var normalizer: Double
    /// Positive anchors.
    public var positives: Int
    /// Ignored anchors.
    public var ignored: Int
    /// The per-anchor matches (ground-truth row, -1 background, -2 ignored).
    public var matches: [Int]
    /// The gradient of the batch cost with respect to this image's logits, `N * C`; empty
    /// when ``RetinaNetCriterion/computesLogitsGradient`` is off.
    public var logitsGradient: [Float]
    /// The gradient of the batch cost with respect to this image's deltas, `N * 4`.
    public var deltasGradient: [Float]
  }

  /// The batch cost and its parts.
  public struct Loss: Sendable, Hashable {
    /// The batch classification cost.
    public var classification: Double
    /// The batch box cost.
    public var box: Double
    /// `classification + box`.
    public var total: Double { classification + box }
    /// Positives over the batch.
    public var positives: Int
    /// Ignored anchors over the batch.
    public var ignored: Int
    /// Per image, in batch order.
    public var images: [ImageLoss]
  }

  /// The cost of a batch (an array of per-image inputs) with ``Normalization/torchvision``
  /// or ``Normalization/mmdetection``.
  ///
  /// - Throws: ``LossError`` (`shapeMismatch`, `invalidLabel`; the location names the
  ///   image, e.g. `batch[1].labels[3]`) or ``MatchingError`` from the matcher.
  /// - Precondition: ``normalization`` is not ``Normalization/detectron2``.
  /// - Complexity: matching plus O(N C) per image for the focal loss.
  public func evaluate(_ batch: [Image]) throws -> Loss {
    precondition(
      normalization != .detectron2, "detectron2 normalisation is stateful: call evaluate(_:ema:)")
    var unused = EMANormalizer()
    return try evaluate(batch, state: &unused)
  }

  /// The cost of a batch with ``Normalization/detectron2``: `ema` is updated with the
  /// batch's positives first, then divides both sums.
  ///
  /// - Precondition: ``normalization`` is ``Normalization/detectron2``.
  public func evaluate(_ batch: [Image], ema: inout EMANormalizer) throws -> Loss {
    precondition(normalization == .detectron2, "evaluate(_:ema:) is for detectron2 normalisation")
    return try evaluate(batch, state: &ema)
  }

  private func evaluate(_ batch: [Image], state ema: inout EMANormalizer) throws -> Loss {
    // Per image in parallel (errors in batch order); the normaliser needs them all.
    let matches = try orderedMap(count: batch.count, maxConcurrency: maxConcurrency) { i in
      let image = batch[i]
      try validate(image, at: "batch[\(i)]")
      return try image.anchors.match(
        matcher, groundTruth: image.groundTruth, ignoreRegions: image.ignoreBoxes)
    }
    let positives = matches.map { $0.statistics.positives }
    let normalizers: [Double]
    switch normalization {
    case .torchvision:
      normalizers = positives.map { Double(batch.count) * LossNormalizer.perImage(positives: $0) }
    case .mmdetection:
      let factor = LossNormalizer.mmdetection(
        avgFactor: LossNormalizer.averageFactor(positivesPerImage: positives))
      normalizers = positives.map { _ in factor }
    case .detectron2:
      let value = ema.update(positives: positives.reduce(0, +))
      normalizers = positives.map { _ in value }
    }
    let images = try orderedMap(count: batch.count, maxConcurrency: maxConcurrency) { i in
      try imageLoss(batch[i], matches: matches[i], normalizer: normalizers[i], at: "batch[\(i)]")
    }
    return Loss(
      classification: images.reduce(0) { $0 + $1.classification },
      box: images.reduce(0) { $0 + $1.box },
      positives: positives.reduce(0, +), ignored: images.reduce(0) { $0 + $1.ignored },
      images: images)
  }

  private func validate(_ image: Image, at location: String) throws {
    let n = image.anchors.boxes.count
    guard image.labels.count == image.groundTruth.count else {
      throw LossError(
        .shapeMismatch, at: "\(location).labels",
        "expected \(image.groundTruth.count) labels (one per ground-truth box), found \(image.labels.count)"
      )
    }
    guard image.deltas.count == 4 * n else {
      throw LossError(
        .shapeMismatch, at: "\(location).deltas",
        "expected \(n) x 4 = \(4 * n) values (anchors x 4), found \(image.deltas.count)")
    }
    guard n > 0 ? image.logits.count % n == 0 && image.logits.count > 0 : image.logits.isEmpty
    else {
      throw LossError(
        .shapeMismatch, at: "\(location).logits",
        "expected \(n) x C values (anchors x classes), found \(image.logits.count)")
    }
  }

  private func imageLoss(
    _ image: Image, matches match: MatchResult, normalizer: Double, at location: String
  ) throws -> ImageLoss {
    let anchors = image.anchors.boxes
    let n = anchors.count
    let classCount = n == 0 ? 1 : image.logits.count / n
    for (j, label) in image.labels.enumerated() where label < 0 || label >= classCount {
      throw LossError(
        .invalidLabel, at: "\(location).labels[\(j)]",
        "expected a class in 0..<\(classCount), found \(label)")
    }
    let m = match.matches
    let anchorLabels = m.map { $0 >= 0 ? image.labels[$0] : $0 }
    let focalResult = try focal.evaluate(
      logits: image.logits, classCount: classCount, labels: anchorLabels, convention: .torchvision,
      reduction: .sum, normalizer: normalizer, outputs: computesLogitsGradient ? .gradient : [])
    let box = try boxTerm(
      image.deltas, anchors: anchors, groundTruth: image.groundTruth, matches: m,
      normalizer: normalizer)
    return ImageLoss(
      classification: focalResult.sum / normalizer, box: box.sum / normalizer,
      classificationSum: focalResult.sum, boxSum: box.sum, normalizer: normalizer,
      positives: match.statistics.positives, ignored: match.statistics.ignored, matches: m,
      logitsGradient: n == 0 || !computesLogitsGradient ? [] : focalResult.gradient,
      deltasGradient: box.gradient)
  }

  /// The summed box loss over the positives and its gradient (divided by `normalizer`)
  /// scattered into `N * 4`.
  private func boxTerm(
    _ deltas: [Float], anchors: BoxArray, groundTruth: BoxArray, matches: [Int], normalizer: Double
  ) throws -> (sum: Double, gradient: [Float]) {
    let rows = MatchResult.positiveAnchors(in: matches)
    if rows.isEmpty { return (0, [Float](repeating: 0, count: deltas.count)) }
    let positives = PositiveBoxes(
      rows: rows, anchors: anchors, groundTruth: groundTruth, matches: matches, deltas: deltas)
    let result: LossResult
    let local: [Float]
    switch boxLoss {
    case .l1, .smoothL1:
      let loss: RegressionLoss =
        if case .smoothL1(let beta) = boxLoss { .smoothL1(beta: beta) } else { .l1 }
      result = try loss.evaluate(
        predictions: positives.deltas,
        targets: coder.encode(positives.targets, relativeTo: positives.anchors),
        reduction: .sum, normalizer: normalizer, outputs: .gradient)
      local = result.gradient
    case .giou:
      let decoded = coder.decode(positives.deltas, relativeTo: positives.anchors)
      result = try IoULoss(.giou).evaluate(
        predicted: decoded, target: positives.targets, reduction: .sum, normalizer: normalizer,
        outputs: .gradient)
      local = decodeBackward(result.gradient, deltas: positives.deltas, anchors: positives.anchors)
    }
    return (result.sum, positives.scatter(local, into: deltas.count))
  }

  /// The chain rule through torchvision's `decode_single`: with `x1 = cx - w/2`,
  /// `x2 = cx + w/2`, `cx = dx / wx * aw + acx`, `w = exp(min(dw / ww, clamp)) * aw`,
  /// `dL/d dx = (g_x1 + g_x2) aw / wx` and `dL/d dw = (g_x2 - g_x1) w / (2 ww)` (0 above
  /// the clamp, as torch's `clamp` backward).
  private func decodeBackward(_ boxGradient: [Float], deltas: [Float], anchors: BoxArray) -> [Float]
  {
    guard case .standard(let weights) = coder.convention else {
      preconditionFailure("GIoU needs a standard coder")
    }
    var out = [Float](repeating: 0, count: boxGradient.count)
    let clamp = Double(coder.scaleClamp)
    for k in 0..<anchors.count {
      let a = anchors[k]
      let size = (Double(a.x2 - a.x1), Double(a.y2 - a.y1))
      let g = (0..<4).map { Double(boxGradient[4 * k + $0]) }
      for axis in 0..<2 {
        let extent = axis == 0 ? size.0 : size.1
        let shift = Double(weights[axis])
        let scale = Double(weights[axis + 2])
        let low = g[axis]
        let high = g[axis + 2]
        out[4 * k + axis] = Float((low + high) * extent / shift)
        let logScale = Double(deltas[4 * k + axis + 2]) / scale
        let width = logScale <= clamp ? Foundation.exp(logScale) * extent : 0
        out[4 * k + axis + 2] = Float((high - low) * 0.5 * width / scale)
      }
    }
    return out
  }
}
