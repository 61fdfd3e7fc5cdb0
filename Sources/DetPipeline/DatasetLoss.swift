import DetGeometry
import DetLoss
import DetMatching
import DetStore
import DetSupport

/// A detection head's losses over a stored dataset: predictions read per image, images
/// batched, each batch through the head's criterion, per-image, per-batch and overall
/// results.
///
/// - ``Head/retinanet``: RetinaNet preset anchors, ``DetMatching/IoUMatcher/retinaNet``,
///   sigmoid focal loss (0.25, 2) over non-ignored anchors and L1 on the positives'
///   encoded deltas, each divided by max(1, positives) (``DetLoss/RetinaNetCriterion``).
/// - ``Head/rpn``: FPN preset anchors, ``DetMatching/IoUMatcher/rpn``, 256 sampled anchors
///   (half positive at most; batch `b` seeded by `seed &+ b`), BCE objectness and smooth L1
///   (1/9), divided by the sampled count (``DetLoss/RPNCriterion``, per image).
///
/// Memory holds one batch of predictions (and, when records are kept, about 100 bytes an
/// image).
public struct DatasetLoss {
  /// The detection head.
  public enum Head: String, Sendable, Hashable, CaseIterable {
    case retinanet, rpn

    /// The anchor preset of the head.
    public var preset: AnchorGenerator.Preset { self == .retinanet ? .retinanet : .fpn }
  }

  /// One batch's cost: each term averaged over the batch's images, as the criterion
  /// reports it.
  public struct BatchLoss: Sendable, Hashable {
    /// 0-based batch number.
    public var index: Int
    /// Images in the batch.
    public var images: Int
    /// Classification (RetinaNet) or objectness (RPN) term.
    public var classification: Double
    /// Box regression term.
    public var box: Double
    /// `classification + box`.
    public var cost: Double { classification + box }
    /// The training-log view of the cost: an exponential moving average of the batch costs
    /// so far with momentum `m` (``DatasetLoss/emaMomentum``), bias-corrected so that the
    /// first batch's value is its cost: `a_k = m a_(k-1) + (1 - m) cost_k` from `a_(-1) = 0`,
    /// `emaCost_k = a_k / (1 - m^(k+1))`. A NaN cost makes it NaN from then on.
    public var emaCost: Double
    /// The batch file the batch came from, or empty for the per-image forms.
    public var source: String = ""
  }

  /// A result as the run produces it, for progress and streaming output.
  public enum Event: Sendable {
    /// One image's normalised losses (in the batch's order, before its batch).
    case image(ImageLossRecord)
    /// A batch, after its images.
    case batch(BatchLoss)
  }

  /// The whole run.
  public struct Summary: Sendable {
    public var head: Head
    /// Images evaluated.
    public var images: Int
    /// Batches evaluated.
    public var batches: Int
    /// Mean over images of the per-image classification (objectness) loss; under
    /// detectron2 and mmdetection, which normalise per batch, the mean over batches of the
    /// batch terms.
    public var classification: Double
    /// Mean over images of the per-image box loss (detectron2, mmdetection: over batches).
    public var box: Double
    /// `classification + box`, each term's sum over images divided by `max(images, 1)`
    /// (detectron2, mmdetection: the batch terms' sums over `max(batches, 1)`).
    public var cost: Double
    /// Every image's losses in dataset order, when the run keeps records; else empty.
    public var records: [ImageLossRecord]
    /// The last batch's ``BatchLoss/emaCost`` (0 for no batches).
    public var emaCost: Double = 0
    /// Every batch, when the run keeps records; else empty.
    public var batchRecords: [BatchLoss] = []
  }

  /// The dataset.
  public let walker: DatasetWalker
  /// The predictions.
  public let predictions: PredictionSource
  /// The head.
  public let head: Head
  /// The framework whose RetinaNet loss is computed (``DetectorFramework``): matcher, box
  /// coder and loss, normaliser, and for batch files the resize, flip and padding.
  public var framework: DetectorFramework
  /// The anchor arithmetic (the peer whose predictions these are) of the head's preset.
  public var compatibility: AnchorGenerator.Compatibility
  /// The anchors in place of the head's preset (a configuration file's), or `nil` for the
  /// preset in ``compatibility``. The head's matcher applies either way.
  public var anchors: AnchorGenerator?
  /// Images per batch, >= 1, for the per-image prediction forms (batch files bring their
  /// own batches).
  public var batchSize: Int
  /// Seed of the RPN sampler.
  public var seed: UInt64
  /// Momentum of ``BatchLoss/emaCost``, in [0, 1).
  public var emaMomentum: Double = 0.9
  /// What a NaN or infinity in the predictions does.
  public var nonFinite: NonFinitePolicy
  /// At most this many of a batch's images prepared, matched and evaluated at once (`nil`:
  /// every core; 1: serially). Batches, their normalisers (detectron2's EMA carried across
  /// them), ``BatchLoss/emaCost``, the events and the records stay in dataset / file order,
  /// so the results are the same bits for any value.
  public var threads: Int? = nil

  /// Creates a run.
  ///
  /// - Parameters:
  ///   - framework: whose loss (default torchvision).
  ///   - compatibility: the anchor arithmetic; `nil`: the framework's.
  ///   - anchors: the anchors in place of the head's preset, or `nil`.
  /// - Precondition: `batchSize >= 1`.
  public init(
    walker: DatasetWalker, predictions: PredictionSource, head: Head,
    framework: DetectorFramework = .torchvision,
    compatibility: AnchorGenerator.Compatibility? = nil, anchors: AnchorGenerator? = nil,
    batchSize: Int = 8, seed: UInt64 = 0, nonFinite: NonFinitePolicy = .error
  ) {
    precondition(batchSize >= 1, "batchSize must be >= 1, got \(batchSize)")
    self.walker = walker
    self.predictions = predictions
    self.head = head
    self.framework = framework
    self.compatibility = compatibility ?? framework.compatibility
    self.anchors = anchors
    self.batchSize = batchSize
    self.seed = seed
    self.nonFinite = nonFinite
  }

  /// One image waiting for its batch.
  private struct Pending {
    var image: PipelineImage
    var index: GridAnchorIndex
    var levels: [AnchorLevel]
    var logits: [Float]
    var deltas: [Float]
  }

  /// The anchors: ``anchors`` when given, else the head's preset in ``compatibility``.
  public var generator: AnchorGenerator {
    anchors ?? AnchorGenerator(preset: head.preset, compatibility: compatibility)
  }

  /// Evaluates every image, `batchSize` at a time, in dataset order, reporting each image
  /// and batch to `progress` as soon as its batch is done.
  ///
  /// - Parameters:
  ///   - keepsRecords: keep every image's losses in ``Summary/records`` (for
  ///     ``record(_:named:)``).
  ///   - progress: called with each image's result, then its batch's.
  /// - Returns: the summary.
  /// - Throws: ``PipelineError``: what ``DatasetWalker/forEachImage(_:)`` and
  ///   ``PredictionSource/tensors(for:anchors:classes:nonFinite:)`` throw, and
  ///   ``PipelineError/Code/batchFailed`` naming the batch and its images when the
  ///   criterion fails.
  /// - Complexity: one criterion evaluation per image; at most ``GridCache/capacity``
  ///   grids and one batch of predictions in memory.
  public func run(keepsRecords: Bool = false, progress: (Event) -> Void = { _ in })
    throws(PipelineError) -> Summary
  {
    var cache = GridCache(generator)
    let classCount = head == .retinanet ? walker.categoryNames.count : 1
    var batch = BatchState()
    var recorded: [ImageLossRecord] = []
    if predictions.isBatched {
      try runBatchFiles(
        &batch, cache: &cache, classes: classCount, keepsRecords: keepsRecords, into: &recorded,
        progress: progress)
      return summary(of: batch, records: recorded)
    }
    try walker.forEachImage { image throws(PipelineError) in
      let (grid, index) = try cache.grid(for: image)
      let (logits, deltas) = try predictions.tensors(
        for: image.record.id.description, anchors: grid.count, classes: classCount,
        nonFinite: nonFinite)
      batch.pending.append(
        Pending(image: image, index: index, levels: grid.levels, logits: logits, deltas: deltas))
      if batch.pending.count == batchSize {
        try evaluate(&batch, keepsRecords: keepsRecords, into: &recorded, progress: progress)
      }
    }
    try evaluate(&batch, keepsRecords: keepsRecords, into: &recorded, progress: progress)
    return summary(of: batch, records: recorded)
  }

  private func summary(of batch: BatchState, records: [ImageLossRecord]) -> Summary {
    let perBatch = head == .retinanet && framework.criterion.normalization != .torchvision
    let n = Double(max(perBatch ? batch.batches : batch.images, 1))
    let sums = perBatch ? batch.batchSums : batch.sums
    var summary = Summary(
      head: head, images: batch.images, batches: batch.batches,
      classification: sums.classification / n, box: sums.box / n,
      cost: (sums.classification + sums.box) / n, records: records)
    summary.emaCost = batch.lastEMACost
    summary.batchRecords = batch.kept
    return summary
  }

  /// The batch files in order: each file's images loaded by id, resized per its metadata
  /// (or the framework), laid out on the batch canvas, its head outputs read and checked.
  private func runBatchFiles(
    _ batch: inout BatchState, cache: inout GridCache, classes: Int, keepsRecords: Bool,
    into recorded: inout [ImageLossRecord], progress: (Event) -> Void
  ) throws(PipelineError) {
    guard head == .retinanet else {
      throw PipelineError(
        .badInput, at: predictions.path,
        "batch files hold RetinaNet head outputs (cls_logits, bbox_regression); the RPN reads the per-image forms"
      )
    }
    for file in predictions.batchFiles {
      let prediction = try PredictionBatch(file: file)
      batch.source = file
      let (records, layout) = try walker.batch(
        prediction.imageIDs, imageSizes: prediction.imageSizes, divisor: framework.sizeDivisor,
        generator: cache.generator, location: file)
      let sizes = layout.imageSizes
      try prediction.check(canvasOf: layout, divisor: framework.sizeDivisor)
      let outputs = try prediction.headOutputs(
        layout: layout, classes: classes, nonFinite: nonFinite)
      for (i, record) in records.enumerated() {
        let image = try walker.load(
          record, resizedTo: sizes[i], flipped: prediction.flips[i], canvas: layout.canvas,
          framework: framework)
        let (grid, index) = try cache.grid(for: image)
        batch.pending.append(
          Pending(
            image: image, index: index, levels: grid.levels, logits: outputs[i].logits,
            deltas: outputs[i].deltas))
      }
      try evaluate(&batch, keepsRecords: keepsRecords, into: &recorded, progress: progress)
    }
  }

  /// The running state: the batch being filled and the totals so far.
  private struct BatchState {
    var pending: [Pending] = []
    /// detectron2's normaliser, carried across batches.
    var ema = EMANormalizer()
    /// The running average behind ``BatchLoss/emaCost`` and the momentum's power.
    var costAverage = 0.0
    var momentumPower = 1.0
    var lastEMACost = 0.0
    /// Batches kept for the summary.
    var kept: [BatchLoss] = []
    /// The batch file being evaluated.
    var source = ""
    var batches = 0
    var images = 0
    var sums = (classification: 0.0, box: 0.0)
    var batchSums = (classification: 0.0, box: 0.0)
  }

  /// Evaluates the pending batch (if any), reports it and adds it to the totals.
  private func evaluate(
    _ state: inout BatchState, keepsRecords: Bool, into recorded: inout [ImageLossRecord],
    progress: (Event) -> Void
  ) throws(PipelineError) {
    guard !state.pending.isEmpty else { return }
    let (records, cost) = try losses(of: state.pending, batch: state.batches, ema: &state.ema)
    for r in records {
      progress(.image(r))
      state.sums.classification += r.classification
      state.sums.box += r.box
    }
    state.batchSums.classification += cost.classification
    state.batchSums.box += cost.box
    let m = emaMomentum
    state.costAverage = m * state.costAverage + (1 - m) * (cost.classification + cost.box)
    state.momentumPower *= m
    state.lastEMACost = state.costAverage / (1 - state.momentumPower)
    let batchLoss = BatchLoss(
      index: state.batches, images: records.count, classification: cost.classification,
      box: cost.box, emaCost: state.lastEMACost, source: state.source)
    progress(.batch(batchLoss))
    if keepsRecords {
      recorded += records
      state.kept.append(batchLoss)
    }
    state.images += records.count
    state.batches += 1
    state.pending.removeAll(keepingCapacity: true)
  }

  /// The head's criterion over one batch: per-image records and the batch cost.
  private func losses(of pending: [Pending], batch: Int, ema: inout EMANormalizer)
    throws(PipelineError) -> ([ImageLossRecord], (classification: Double, box: Double))
  {
    var records: [ImageLossRecord] = []
    do {
      switch head {
      case .retinanet:
        var criterion = framework.criterion  // forward only: the report needs costs
        criterion.maxConcurrency = threads
        let prepared = try orderedMap(count: pending.count, maxConcurrency: threads) { k in
          let p = pending[k]
          let valid = framework.invalidatesAnchorsOutsideImage ? validAnchors(of: p) : nil
          return (
            image: Self.criterionImage(p, valid: valid),
            invalid: valid.map { p.index.anchors.count - $0.count } ?? 0
          )
        }
        let inputs = prepared.map(\.image)
        let invalid = prepared.map(\.invalid)
        let loss =
          criterion.normalization == .detectron2
          ? try criterion.evaluate(inputs, ema: &ema) : try criterion.evaluate(inputs)
        for (k, (p, l)) in zip(pending, loss.images).enumerated() {
          // torchvision normalises per image: the row is the image's own loss. The others
          // divide by one batch normaliser: the row is the image's share of the batch term.
          let n =
            criterion.normalization == .torchvision
            ? LossNormalizer.perImage(positives: l.positives) : l.normalizer
          records.append(
            ImageLossRecord(
              imageID: p.image.record.id, fileName: p.image.record.fileName,
              classification: l.classificationSum / n,
              box: l.boxSum / n, positives: l.positives, ignored: l.ignored + invalid[k]))
        }
        return (records, (loss.classification, loss.box))
      case .rpn:
        var criterion = RPNCriterion(seed: seed &+ UInt64(batch))
        criterion.maxConcurrency = threads
        let loss = try criterion.evaluate(
          pending.map {
            RPNCriterion.Image(
              anchors: .grid($0.index), groundTruth: $0.image.boxes, objectness: $0.logits,
              deltas: $0.deltas)
          })
        for (p, l) in zip(pending, loss.images) {
          let n = Double(max(1, l.sample.positives.count + l.sample.negatives.count))
          records.append(
            ImageLossRecord(
              imageID: p.image.record.id, fileName: p.image.record.fileName,
              classification: l.objectnessSum / n,
              box: l.boxSum / n, positives: l.matches.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) },
              ignored: l.ignored))
        }
        return (records, (loss.objectness, loss.box))
      }
    } catch {
      let ids = pending.map { $0.image.record.id.description }.joined(separator: ", ")
      throw PipelineError.wrapping(
        error, .batchFailed, at: "batch \(batch) (images \(ids))")
    }
  }

  /// The anchors inside the image's own padded shape (its resized size rounded up to the
  /// framework's divisor), mmdetection's `valid_flags`: on every level, cells with
  /// `y < ceil(padH / stride)` and `x < ceil(padW / stride)`; nil when that is every anchor.
  private func validAnchors(of p: Pending) -> [Int]? {
    let d = framework.sizeDivisor
    let r = p.image.resized
    let padH = (r.height + d - 1) / d * d
    let padW = (r.width + d - 1) / d * d
    if padH >= p.image.canvas.height && padW >= p.image.canvas.width { return nil }
    var rows: [Int] = []
    for level in p.levels {
      let s = level.stride
      let validRows = min((padH + s - 1) / s, level.rows)
      let validColumns = min((padW + s - 1) / s, level.columns)
      for y in 0..<validRows {
        for x in 0..<validColumns {
          let cell = level.range.lowerBound + (y * level.columns + x) * level.typesPerCell
          rows.append(contentsOf: cell..<(cell + level.typesPerCell))
        }
      }
    }
    return rows
  }

  /// The criterion's input of one image: the whole grid, or only the `valid` anchors'
  /// boxes, logits and deltas.
  private static func criterionImage(_ p: Pending, valid: [Int]?) -> RetinaNetCriterion.Image {
    guard let valid else {
      return RetinaNetCriterion.Image(
        anchors: .grid(p.index), groundTruth: p.image.boxes, labels: p.image.labels,
        logits: p.logits, deltas: p.deltas)
    }
    let n = p.index.anchors.count
    let c = n == 0 ? 0 : p.logits.count / n
    var boxes: [Float] = []
    var logits: [Float] = []
    var deltas: [Float] = []
    boxes.reserveCapacity(valid.count * 4)
    logits.reserveCapacity(valid.count * c)
    deltas.reserveCapacity(valid.count * 4)
    let all = p.index.anchors.values
    for k in valid {
      boxes.append(contentsOf: all[(4 * k)..<(4 * k + 4)])
      logits.append(contentsOf: p.logits[(c * k)..<(c * k + c)])
      deltas.append(contentsOf: p.deltas[(4 * k)..<(4 * k + 4)])
    }
    return RetinaNetCriterion.Image(
      anchors: .boxes(BoxArray(flat: boxes)), groundTruth: p.image.boxes,
      labels: p.image.labels, logits: logits, deltas: deltas)
  }

  /// Stores `summary`'s image and batch records as loss run `run` of the dataset, in one transaction
  /// (replacing an earlier run of that name only when this one lands whole), for
  /// `hardestImages`.
  ///
  /// - Throws: ``PipelineError`` (``PipelineError/Code/output``) wrapping the store's error
  ///   (a non-finite loss, a lock not granted within 60 s); nothing is written then.
  public func record(_ summary: Summary, named run: String) throws(PipelineError) {
    do {
      try walker.store.recordLossRun(
        named: run, dataset: walker.name, head: head.rawValue, records: summary.records,
        batches: summary.batchRecords.map {
          BatchLossRecord(
            batch: $0.index, images: $0.images, classification: $0.classification, box: $0.box,
            emaCost: $0.emaCost, source: $0.source)
        })
    } catch {
      throw PipelineError.wrapping(error, .output)
    }
  }
}
