import ArgumentParser
import DetPipeline
import DetStore
import Foundation

/// `detkit loss retinanet`: RetinaNet head losses of stored predictions over a dataset.
struct LossRetinaNetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "retinanet",
    abstract: "RetinaNet losses of stored predictions over a dataset, per image and per batch.",
    discussion: """
      Predictions per batch, as models emit them: a safetensors file, or a folder of them \
      read in file-name order, each one batch. Its metadata (JSON text values): image_ids \
      [id, ...] in batch order (required); image_sizes [[h, w], ...], the resized size the \
      model saw for each image, and flips [true, false, ...] (optional: they override the \
      framework's resize, for multi-scale training and random flips); canvas [H, W] \
      (optional, checked). Tensors: flat cls_logits [B, N, C] and bbox_regression [B, N, 4] \
      (torchvision's head), or per level cls_logits.0 ... [B, A*C, H_l, W_l] and \
      bbox_regression.0 ... [B, A*4, H_l, W_l] (detectron2, mmdetection heads). The batch \
      canvas is the largest resized height and width of the batch, each rounded up to 32; \
      N counts the anchors of every level on it. --batch-size is an error with batch files.

      Predictions per image: a safetensors file with <image_id>/cls_logits [N, C] and \
      <image_id>/bbox_deltas [N, 4], or a folder of NPY files <image_id>.cls.npy and \
      <image_id>.box.npy, N the anchor count of the image's own canvas (resize per \
      --resize), batched --batch-size at a time in dataset order. F32, F16 or BF16 \
      throughout; C is the dataset's category count for retinanet (contiguous index \
      order), 1 for rpn.

      --framework sets what that framework's standard COCO RetinaNet config uses: resize \
      and padding, anchor arithmetic and order, matcher, box coder, losses, crowd handling \
      (crowd boxes take no part) and normaliser. torchvision: RetinaNet.compute_loss \
      (models/detection/retinanet.py): Matcher(0.5, 0.4, low-quality), sigmoid focal loss \
      (0.25, 2) over non-ignored anchors and L1 on the positives' deltas, per image divided \
      by max(1, positives), then the mean over images. detectron2: RetinaNet.losses and \
      label_anchors (modeling/meta_arch/retinanet.py) with configs/Base-RetinaNet.yaml: \
      size-major anchors, smooth L1 with beta 0, both sums divided by an EMA of the \
      batch's positives (start 100, momentum 0.9) carried across batches in file order. \
      mmdetection: RetinaHead.loss_by_feat (models/dense_heads/anchor_head.py) with \
      configs/retinanet/retinanet_r50_fpn_1x_coco.py: MaxIoUAssigner(0.5, 0.4, \
      min_pos_iou 0), anchors outside each image's own padded shape invalid, L1, both \
      sums divided by avg_factor (sum over images of max(1, positives)), resize by mmcv's \
      rescale_size. An explicit --resize or --compat overrides that piece.

      rpn: FPN preset anchors, Matcher(0.7, 0.3, low-quality), 256 sampled anchors (half \
      positive at most, seeded by --seed), BCE objectness and smooth L1 (1/9), divided by \
      the sampled count (RPNCriterion, per image); per-image predictions only. \
      --anchor-config FILE replaces the head's preset anchors; the head's matcher stays.

      Output, JSON lines: one per image (image_id, file_name, classification, box, \
      positives, ignored), one per batch (the batch terms as the framework reports them, \
      cost, and ema_cost: the training-log view, an exponential moving average of the \
      batch costs so far with momentum --ema, bias-corrected so the first batch's is its \
      cost), then a summary (its ema_cost the last batch's; its terms the mean over \
      images of the image rows under torchvision, over batches of the batch terms under \
      detectron2 and mmdetection). Under torchvision an image's row is its own loss (divided by its \
      own positives) and the batch term is the mean of the rows; under detectron2 and \
      mmdetection, which normalise per batch, an image's row is its summed loss divided \
      by the batch's normaliser, so the rows add up to the batch term. Memory holds one \
      batch. --threads N evaluates up to N of a batch's images at once; batches, the \
      detectron2 normaliser, ema_cost, the lines and the records stay in order, so the \
      output is the same for any N.

      A NaN or infinity in the predictions stops the run with an error naming the \
      file, the tensor, the flat index, the anchor and the class (or box coordinate). \
      With --non-finite propagate the run goes on: a NaN / inf logit of a non-ignored \
      anchor, or a NaN / inf delta of a positive one, makes its image's loss, its \
      batch's and the summary's NaN or infinite, printed as null; other values are \
      never read.

      --record RUN stores the per-image and per-batch losses in the database (the images \
      for `detkit worst`), in one transaction when the run ends: a run that fails or is killed part-way \
      records nothing, and an earlier run of the same name is replaced only when the \
      new one is complete. Until then the records wait in memory (about 100 bytes an \
      image); the write lock is taken only for the insert, waiting up to 60 s for a \
      concurrent import to commit.

      Example:
        detkit loss retinanet --db store.sqlite --name demo \\
          --predictions batches/ --framework detectron2
      """)

  @OptionGroup var options: DatasetLossOptions

  func run() throws { try options.run(head: .retinanet) }
}

/// `detkit loss rpn`: RPN losses of stored predictions over a dataset.
struct LossRPNCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rpn",
    abstract:
      "RPN losses of stored objectness / box predictions over a dataset, per image and per batch.",
    discussion: """
      See `detkit loss retinanet --help` for the prediction files and the output; for the \
      RPN cls_logits are [N, 1] (or [N]) objectness logits over the FPN preset's anchors.

      Example:
        detkit loss rpn --db store.sqlite --name demo \\
          --predictions rpn.safetensors --seed 3
      """)

  @OptionGroup var options: DatasetLossOptions

  func run() throws { try options.run(head: .rpn) }
}

/// Options and work shared by `detkit loss retinanet` and `detkit loss rpn`.
struct DatasetLossOptions: ParsableArguments {
  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset.")
  var name: String

  @Option(
    help:
      "Predictions: a batch .safetensors file or a folder of them, or per image a .safetensors file or a folder of NPY files."
  )
  var predictions: String

  @Option(help: "Whose RetinaNet loss: torchvision, detectron2 or mmdetection.")
  var framework: DetectorFramework = .torchvision

  @OptionGroup var anchors: AnchorOptions

  @Option(
    help:
      "Input resize: torchvision, detectron2, mmdetection, or none (default: the framework's).")
  var resize: InputResize?

  @Option(help: "Images per batch, per-image predictions only (default 8).")
  var batchSize: Int?

  @Option(help: "A file of image ids or file names, one a line: only those images.")
  var subset: String?

  @Option(
    help:
      "Store the per-image losses under this run name once the run completes (replacing one of that name)."
  )
  var record: String?

  @Option(help: "Seed of the RPN sampler.")
  var seed: UInt64 = 0

  @Option(help: "Momentum of ema_cost, the smoothed batch cost, in [0, 1).")
  var ema = 0.9

  @Option(help: "Boxes marked difficult (VOC): keep, ignore (like crowd) or drop.")
  var difficult: DifficultPolicy = .keep

  @Option(help: NonFiniteOption.help)
  var nonFinite: NonFiniteOption = .error

  @OptionGroup var parallel: ParallelOptions

  @OptionGroup var progressOptions: ProgressOptions

  func validate() throws {
    guard ema >= 0 && ema < 1 else {
      throw ValidationError("--ema must be in [0, 1), got \(ema)")
    }
    if let batchSize, batchSize < 1 {
      throw ValidationError("--batch-size must be >= 1, got \(batchSize)")
    }
    if record != nil && nonFinite == .propagate {
      throw ValidationError(
        "--record stores finite losses only; drop --record or --non-finite propagate")
    }
  }

  /// Runs the head over the dataset, printing one JSON line per image, per batch and the
  /// summary; records the run with `--record`.
  /// The images the run scores, for the progress bar: the batch files' (their headers read),
  /// the subset's, or the dataset's; `nil` (no total shown) when a batch file cannot be read
  /// here (the run itself reports it).
  private func progressTotal(_ loss: DatasetLoss) -> Int? {
    if loss.predictions.isBatched {
      var images = 0
      for file in loss.predictions.batchFiles {
        guard let batch = try? PredictionBatch(file: file) else { return nil }
        images += batch.count
      }
      return images
    }
    if let subset = loss.walker.subset { return subset.ids.count }
    return try? loss.walker.store.dataset(named: name).images
  }

  func run(head: DatasetLoss.Head) throws {
    let source = try PredictionSource(path: predictions)
    if source.isBatched, let batchSize {
      throw ValidationError(
        "--batch-size \(batchSize) applies to per-image predictions; \(predictions) holds batch files, which bring their own batches"
      )
    }
    // An explicit --compat overrides the framework's anchor arithmetic; without it the
    // framework's (or an --anchor-config file's own) applies.
    var walker = try DatasetWalker(
      db: db, name: name, resize: resize ?? framework.resize,
      mode: record == nil ? .readOnly : .existing)
    walker.difficult = difficult
    if let subset {
      walker.subset = try ImageSubset(file: subset, store: walker.store, dataset: name)
    }
    var loss = DatasetLoss(
      walker: walker,
      predictions: source, head: head, framework: framework,
      compatibility: anchors.compat?.compatibility,
      anchors: anchors.anchorConfig == nil
        ? nil : try anchors.generator(head == .retinanet ? .retinanet : .fpn),
      batchSize: batchSize ?? 8, seed: seed, nonFinite: nonFinite)
    loss.emaMomentum = ema
    loss.threads = parallel.threads
    var out = try BufferedTextWriter(path: "-")
    let bar = progressOptions.bar("loss over \(name)", total: progressTotal(loss))
    defer { bar.finish() }
    let summary = try loss.run(keepsRecords: record != nil) { event in
      let line: JSONValue
      switch event {
      case .image(let r):
        bar.advance()
        line = [
          "image_id": JSONValue(r.imageID), "file_name": .string(r.fileName),
          "classification": .double(r.classification), "box": .double(r.box),
          "positives": .int(r.positives), "ignored": .int(r.ignored),
        ]
      case .batch(let b):
        line = [
          "batch": .int(b.index), "images": .int(b.images),
          "classification": .double(b.classification), "box": .double(b.box),
          "cost": .double(b.classification + b.box), "ema_cost": .double(b.emaCost),
        ]
      }
      out.write(line.text(.line) + "\n")
    }
    let last: JSONValue = [
      "summary": true, "head": .string(head.rawValue), "images": .int(summary.images),
      "batches": .int(summary.batches), "classification": .double(summary.classification),
      "box": .double(summary.box), "cost": .double(summary.cost),
      "ema_cost": .double(summary.emaCost),
    ]
    out.write(last.text(.line) + "\n")
    try out.close()
    bar.finish()
    if let record {
      try loss.record(summary, named: record)
      FileHandle.standardError.write(
        Data("recorded run \"\(record)\" (\(summary.images) images)\n".utf8))
    }
  }
}
