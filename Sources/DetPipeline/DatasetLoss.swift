import DetGeometry
import DetLoss
import DetMatching
import DetStore

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
    /// Mean over images of the per-image classification (objectness) loss.
    public var classification: Double
    /// Mean over images of the per-image box loss.
    public var box: Double
    /// `classification + box`, each term's sum over images divided by `max(images, 1)`.
    public var cost: Double
    /// Every image's losses in dataset order, when the run keeps records; else empty.
    public var records: [ImageLossRecord]
  }

  /// The dataset.
  public let walker: DatasetWalker
  /// The predictions.
  public let predictions: PredictionSource
  /// The head.
  public let head: Head
  /// The anchor arithmetic (the peer whose predictions these are).
  public var compatibility: AnchorGenerator.Compatibility
  /// Images per batch, >= 1.
  public var batchSize: Int
  /// Seed of the RPN sampler.
  public var seed: UInt64
  /// What a NaN or infinity in the predictions does.
  public var nonFinite: NonFinitePolicy

  /// Creates a run.
  ///
  /// - Precondition: `batchSize >= 1`.
  public init(
    walker: DatasetWalker, predictions: PredictionSource, head: Head,
    compatibility: AnchorGenerator.Compatibility = .torchvision, batchSize: Int = 8,
    seed: UInt64 = 0, nonFinite: NonFinitePolicy = .error
  ) {
    precondition(batchSize >= 1, "batchSize must be >= 1, got \(batchSize)")
    self.walker = walker
    self.predictions = predictions
    self.head = head
    self.compatibility = compatibility
    self.batchSize = batchSize
    self.seed = seed
    self.nonFinite = nonFinite
  }

  /// One image waiting for its batch.
  private struct Pending {
    var image: PipelineImage
    var index: GridAnchorIndex
    var logits: [Float]
    var deltas: [Float]
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
    var cache = GridCache(
      AnchorGenerator(preset: head.preset, compatibility: compatibility))
    let classCount = head == .retinanet ? walker.categoryNames.count : 1
    var batch = BatchState()
    var recorded: [ImageLossRecord] = []
    try walker.forEachImage { image throws(PipelineError) in
      let (grid, index) = try cache.grid(for: image)
      let (logits, deltas) = try predictions.tensors(
        for: image.record.id.description, anchors: grid.count, classes: classCount,
        nonFinite: nonFinite)
      batch.pending.append(Pending(image: image, index: index, logits: logits, deltas: deltas))
      if batch.pending.count == batchSize {
        try evaluate(&batch, keepsRecords: keepsRecords, into: &recorded, progress: progress)
      }
    }
    try evaluate(&batch, keepsRecords: keepsRecords, into: &recorded, progress: progress)
    let n = Double(max(batch.images, 1))
    return Summary(
      head: head, images: batch.images, batches: batch.batches,
      classification: batch.sums.classification / n, box: batch.sums.box / n,
      cost: (batch.sums.classification + batch.sums.box) / n, records: recorded)
  }

  /// The running state: the batch being filled and the totals so far.
  private struct BatchState {
    var pending: [Pending] = []
    var batches = 0
    var images = 0
    var sums = (classification: 0.0, box: 0.0)
  }

  /// Evaluates the pending batch (if any), reports it and adds it to the totals.
  private func evaluate(
    _ state: inout BatchState, keepsRecords: Bool, into recorded: inout [ImageLossRecord],
    progress: (Event) -> Void
  ) throws(PipelineError) {
    guard !state.pending.isEmpty else { return }
    let (records, cost) = try losses(of: state.pending, batch: state.batches)
    for r in records {
      progress(.image(r))
      state.sums.classification += r.classification
      state.sums.box += r.box
    }
    progress(
      .batch(
        BatchLoss(
          index: state.batches, images: records.count, classification: cost.classification,
          box: cost.box)))
    if keepsRecords { recorded += records }
    state.images += records.count
    state.batches += 1
    state.pending.removeAll(keepingCapacity: true)
  }

  /// The head's criterion over one batch: per-image records and the batch cost.
  private func losses(of pending: [Pending], batch: Int) throws(PipelineError) -> (
    [ImageLossRecord], (classification: Double, box: Double)
  ) {
    var records: [ImageLossRecord] = []
    do {
      switch head {
      case .retinanet:
        var criterion = RetinaNetCriterion()
        criterion.computesLogitsGradient = false  // the report needs costs only
        let loss = try criterion.evaluate(
          pending.map {
            RetinaNetCriterion.Image(
              anchors: .grid($0.index), groundTruth: $0.image.boxes, labels: $0.image.labels,
              logits: $0.logits, deltas: $0.deltas)
          })
        for (p, l) in zip(pending, loss.images) {
          let n = LossNormalizer.perImage(positives: l.positives)
          records.append(
            ImageLossRecord(
              imageID: p.image.record.id, fileName: p.image.record.fileName,
              classification: l.classificationSum / n,
              box: l.boxSum / n, positives: l.positives, ignored: l.ignored))
        }
        return (records, (loss.classification, loss.box))
      case .rpn:
        let loss = try RPNCriterion(seed: seed &+ UInt64(batch)).evaluate(
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

  /// Stores `summary`'s records as loss run `run` of the dataset, in one transaction
  /// (replacing an earlier run of that name only when this one lands whole), for
  /// `hardestImages`.
  ///
  /// - Throws: ``PipelineError`` (``PipelineError/Code/output``) wrapping the store's error
  ///   (a non-finite loss, a lock not granted within 60 s); nothing is written then.
  public func record(_ summary: Summary, named run: String) throws(PipelineError) {
    do {
      try walker.store.recordLossRun(
        named: run, dataset: walker.name, head: head.rawValue, records: summary.records)
    } catch {
      throw PipelineError.wrapping(error, .output)
    }
  }
}
