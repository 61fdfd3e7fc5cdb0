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
      Predictions: a safetensors file with <image_id>/cls_logits [N, C] and \
      <image_id>/bbox_deltas [N, 4] (F16, BF16 or F32), or a folder of NPY files \
      <image_id>.cls.npy and <image_id>.box.npy. N is the anchor count of the image's \
      canvas (resize per --resize, detkit's anchor order), C the dataset's category count \
      for retinanet (contiguous index order), 1 for rpn.

      retinanet: RetinaNet preset anchors, Matcher(0.5, 0.4, low-quality), sigmoid focal \
      loss (0.25, 2) over non-ignored anchors and L1 on the positives' encoded deltas, each \
      divided by max(1, positives) (torchvision's v1 head, RetinaNetCriterion). \
      rpn: FPN preset anchors, Matcher(0.7, 0.3, low-quality), 256 sampled anchors (half \
      positive at most, seeded by --seed), BCE objectness and smooth L1 (1/9), divided by \
      the sampled count (RPNCriterion, per image).

      Output, JSON lines: one per image (image_id, file_name, classification, box, \
      positives, ignored), one per batch (the batch cost: each term averaged over the \
      batch's images), then a summary. Memory holds one batch.

      A NaN or infinity in the predictions stops the run with an error naming the \
      file, the tensor, the flat index, the anchor and the class (or box coordinate). \
      With --non-finite propagate the run goes on: a NaN / inf logit of a non-ignored \
      anchor, or a NaN / inf delta of a positive one, makes its image's loss, its \
      batch's and the summary's NaN or infinite, printed as null; other values are \
      never read.

      --record RUN stores the per-image losses in the database for `detkit worst`, in \
      one transaction when the run ends: a run that fails or is killed part-way \
      records nothing, and an earlier run of the same name is replaced only when the \
      new one is complete. Until then the records wait in memory (about 100 bytes an \
      image); the write lock is taken only for the insert, waiting up to 60 s for a \
      concurrent import to commit.

      Example:
        detkit loss retinanet --db store.sqlite --name demo \\
          --predictions preds.safetensors --record run1
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

  @Option(help: "Predictions: a .safetensors file or a folder of NPY files.")
  var predictions: String

  @OptionGroup var anchors: AnchorOptions

  @Option(help: "Input resize: torchvision, detectron2, or none.")
  var resize: InputResize = .torchvision

  @Option(help: "Images per batch.")
  var batchSize = 8

  @Option(
    help:
      "Store the per-image losses under this run name once the run completes (replacing one of that name)."
  )
  var record: String?

  @Option(help: "Seed of the RPN sampler.")
  var seed: UInt64 = 0

  @Option(help: "Boxes marked difficult (VOC): keep, ignore (like crowd) or drop.")
  var difficult: DifficultPolicy = .keep

  @Option(help: NonFiniteOption.help)
  var nonFinite: NonFiniteOption = .error

  @OptionGroup var progressOptions: ProgressOptions

  func validate() throws {
    guard batchSize >= 1 else {
      throw ValidationError("--batch-size must be >= 1, got \(batchSize)")
    }
    if record != nil && nonFinite == .propagate {
      throw ValidationError(
        "--record stores finite losses only; drop --record or --non-finite propagate")
    }
  }

  /// Runs the head over the dataset, printing one JSON line per image, per batch and the
  /// summary; records the run with `--record`.
  func run(head: DatasetLoss.Head) throws {
    var walker = try DatasetWalker(
      db: db, name: name, resize: resize, mode: record == nil ? .readOnly : .existing)
    walker.difficult = difficult
    let loss = DatasetLoss(
      walker: walker,
      predictions: try PredictionSource(path: predictions), head: head,
      compatibility: anchors.compat.compatibility, batchSize: batchSize, seed: seed,
      nonFinite: nonFinite)
    var out = try BufferedTextWriter(path: "-")
    let bar = progressOptions.bar(
      "loss over \(name)", total: try? loss.walker.store.dataset(named: name).images)
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
          "cost": .double(b.classification + b.box),
        ]
      }
      out.write(line.text(.line) + "\n")
    }
    let last: JSONValue = [
      "summary": true, "head": .string(head.rawValue), "images": .int(summary.images),
      "batches": .int(summary.batches), "classification": .double(summary.classification),
      "box": .double(summary.box), "cost": .double(summary.cost),
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
