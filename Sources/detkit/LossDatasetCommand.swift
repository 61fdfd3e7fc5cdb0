import ArgumentParser
import DetGeometry
import DetLoss
import DetMatching
import DetStore
import DetSupport
import DetTensorIO
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
  enum Head: String {
    case retinanet, rpn
  }

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset.")
  var name: String

  @Option(help: "Predictions: a .safetensors file or a folder of NPY files.")
  var predictions: String

  @Option(help: "Anchor arithmetic: torchvision, detectron2, mmdetection, detectron-legacy.")
  var compat: CompatOption = .torchvision

  @Option(help: "Input resize: torchvision, detectron2, or none.")
  var resize: ResizeOption = .torchvision

  @Option(help: "Images per batch.")
  var batchSize = 8

  @Option(
    help:
      "Store the per-image losses under this run name once the run completes (replacing one of that name)."
  )
  var record: String?

  @Option(help: "Seed of the RPN sampler.")
  var seed: UInt64 = 0

  @Option(help: NonFiniteOption.help)
  var nonFinite: NonFiniteOption = .error

  @OptionGroup var progressOptions: ProgressOptions

  @OptionGroup var parallel: ParallelOptions

  func validate() throws {
    guard batchSize >= 1 else {
      throw ValidationError("--batch-size must be >= 1, got \(batchSize)")
    }
    if record != nil && nonFinite == .propagate {
      throw ValidationError(
        "--record stores finite losses only; drop --record or --non-finite propagate")
    }
  }

  func run(head: Head) throws {
    let preset: PresetOption = head == .retinanet ? .retinanet : .fpn
    let walker = try DatasetWalker(
      db: db, name: name, resize: resize, mode: record == nil ? .readOnly : .existing)
    let source = try PredictionSource(path: predictions)
    var cache = GridCache(
      AnchorGenerator(preset: preset.preset, compatibility: compat.compatibility))
    let classCount = head == .retinanet ? walker.categoryNames.count : 1
    var recorded: [ImageLossRecord] = []
    var out = try BufferedTextWriter(path: "-")
    var pending:
      [(image: PipelineImage, index: GridAnchorIndex, logits: [Float], deltas: [Float])] = []
    let bar = progressOptions.bar(
      "loss over \(name)", total: try walker.store.dataset(named: name).images)
    defer { bar.finish() }
    var batches = 0
    var images = 0
    var sums = (classification: 0.0, box: 0.0)
    typealias Batch = (
      number: Int,
      images: [(image: PipelineImage, index: GridAnchorIndex, logits: [Float], deltas: [Float])]
    )
    /// The costs of one batch (worker threads; depends on the batch alone).
    func evaluate(_ batch: Batch) throws -> (records: [ImageLossRecord], cost: (Double, Double)) {
      let pending = batch.images
      var records: [ImageLossRecord] = []
      let batchCost: (Double, Double)
      do {
        switch head {
        case .retinanet:
          var criterion = RetinaNetCriterion()
          criterion.computesLogitsGradient = false  // the report needs costs only
          let loss = try criterion.evaluate(
            pending.map {
              RetinaNetCriterion.Image(
                anchors: .grid($0.index), groundTruth: $0.image.boxes, labels: $0.image.labels,
                logits: $0.logits,
                deltas: $0.deltas)
            })
          for (p, l) in zip(pending, loss.images) {
            let n = LossNormalizer.perImage(positives: l.positives)
            records.append(
              ImageLossRecord(
                imageID: p.image.record.id, fileName: p.image.record.fileName,
                classification: l.classificationSum / n,
                box: l.boxSum / n, positives: l.positives, ignored: l.ignored))
          }
          batchCost = (loss.classification, loss.box)
        case .rpn:
          let loss = try RPNCriterion(seed: seed &+ UInt64(batch.number)).evaluate(
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
          batchCost = (loss.objectness, loss.box)
        }
      } catch {
        let ids = pending.map { $0.image.record.id.description }.joined(separator: ", ")
        throw PipelineError("batch \(batch.number) (images \(ids)): \(error)")
      }
      return (records, batchCost)
    }
    /// Writes one batch's lines (caller's thread, batch order).
    func write(_ records: [ImageLossRecord], cost: (Double, Double)) {
      for r in records {
        out.write(
          "{\"image_id\":\(JSONText.id(r.imageID)),\"file_name\":\(JSONText.string(r.fileName)),\"classification\":\(jsonNumber(r.classification)),\"box\":\(jsonNumber(r.box)),\"positives\":\(r.positives),\"ignored\":\(r.ignored)}\n"
        )
        sums.classification += r.classification
        sums.box += r.box
      }
      let (cls, box) = cost
      out.write(
        "{\"batch\":\(batches),\"images\":\(records.count),\"classification\":\(jsonNumber(cls)),\"box\":\(jsonNumber(box)),\"cost\":\(jsonNumber(cls + box))}\n"
      )
      if record != nil { recorded += records }
      images += records.count
      batches += 1
      bar.advance(by: records.count)
    }
    // Batches are evaluated on `--threads` threads (one batch in flight per thread, since a
    // batch holds its predictions) and written in order.
    try orderedParallelMap(
      window: parallel.threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount),
      maxConcurrency: parallel.threads,
      produce: { yield in
        var number = 0
        try walker.forEachImage { image in
          let (grid, index) = try cache.grid(for: image)
          let (logits, deltas) = try source.tensors(
            for: image.record.id.description, anchors: grid.count, classes: classCount,
            nonFinite: nonFinite)
          pending.append((image, index, logits, deltas))
          if pending.count == batchSize {
            let batch = (number, pending)
            pending.removeAll(keepingCapacity: true)
            number += 1
            try yield(batch)
          }
        }
        if !pending.isEmpty {
          let batch = (number, pending)
          pending.removeAll()
          try yield(batch)
        }
      },
      transform: evaluate,
      consume: { write($0.records, cost: $0.cost) })
    bar.finish()
    let n = Double(max(images, 1))
    out.write(
      "{\"summary\":true,\"head\":\"\(head.rawValue)\",\"images\":\(images),\"batches\":\(batches),\"classification\":\(jsonNumber(sums.classification / n)),\"box\":\(jsonNumber(sums.box / n)),\"cost\":\(jsonNumber((sums.classification + sums.box) / n))}\n"
    )
    try out.close()
    if let record {
      try walker.store.recordLossRun(
        named: record, dataset: name, head: head.rawValue, records: recorded)
      FileHandle.standardError.write(Data("recorded run \"\(record)\" (\(images) images)\n".utf8))
    }
  }
}

/// `value` as a JSON number, or `null` for NaN and infinity (which JSON cannot express).
func jsonNumber(_ value: Double) -> String {
  value.isFinite ? "\(value)" : "null"
}

/// Where predictions come from: one memory-mapped safetensors archive or a folder of NPY.
struct PredictionSource {
  let path: String
  let archive: SafetensorsArchive?

  init(path: String) throws {
    self.path = path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw PipelineError("--predictions \(path): no such file or folder")
    }
    archive =
      isDirectory.boolValue ? nil : try SafetensorsFile.read(contentsOf: URL(fileURLWithPath: path))
  }

  /// The image's logits `[N, C]` and deltas `[N, 4]` as Float, shapes checked and values
  /// checked per `nonFinite`.
  func tensors(
    for key: String, anchors n: Int, classes c: Int, nonFinite: NonFiniteOption
  ) throws -> (logits: [Float], deltas: [Float]) {
    let (cls, box): (Tensor, Tensor)
    let (clsName, boxName): (String, String)
    if let archive {
      (clsName, boxName) = ("\(key)/cls_logits", "\(key)/bbox_deltas")
      guard let a = archive[clsName], let b = archive[boxName] else {
        throw PipelineError(
          "\(path): no tensor \(archive[clsName] == nil ? clsName : boxName) for image \(key)")
      }
      (cls, box) = (a, b)
    } else {
      let dir = URL(fileURLWithPath: path)
      (clsName, boxName) = ("\(key).cls.npy", "\(key).box.npy")
      for f in [clsName, boxName]
      where !FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path) {
        throw PipelineError("\(path): no file \(f) for image \(key)")
      }
      cls = try NPYFile.read(contentsOf: dir.appendingPathComponent(clsName))
      box = try NPYFile.read(contentsOf: dir.appendingPathComponent(boxName))
    }
    let clsOK = cls.shape == [n, c] || (c == 1 && cls.shape == [n])
    guard clsOK else {
      throw PipelineError(
        "\(path): \(clsName) has shape \(cls.shape), expected [\(n), \(c)] (anchors, classes) for image \(key)"
      )
    }
    guard box.shape == [n, 4] else {
      throw PipelineError(
        "\(path): \(boxName) has shape \(box.shape), expected [\(n), 4] (anchors) for image \(key)")
    }
    for (t, name) in [(cls, clsName), (box, boxName)]
    where ![.float32, .float16, .bfloat16].contains(t.dtype) {
      throw PipelineError(
        "\(path): \(name) has dtype \(t.dtype.rawValue), expected F32, F16 or BF16")
    }
    let (logits, deltas) = (try cls.asFloat32(), try box.asFloat32())
    // A safetensors archive is one file holding named tensors; a folder holds one file each.
    let (clsFile, clsArray, boxFile, boxArray) =
      archive != nil
      ? (path, "tensor \"\(clsName)\"", path, "tensor \"\(boxName)\"")
      : (
        folderFile(clsName), "cls_logits of image \(key)",
        folderFile(boxName), "bbox_deltas of image \(key)"
      )
    let clsAxes = cls.shape.count == 2 ? ["anchor", "class"] : ["anchor"]
    try nonFinite.check(logits, of: cls, file: clsFile, array: clsArray, axes: clsAxes)
    try nonFinite.check(
      deltas, of: box, file: boxFile, array: boxArray, axes: ["anchor", "coordinate"])
    return (logits, deltas)
  }

  /// `name` inside the predictions folder, joined to the folder as the user wrote it.
  private func folderFile(_ name: String) -> String {
    path.hasSuffix("/") ? path + name : path + "/" + name
  }
}
