import ArgumentParser
import DetGeometry
import DetMatching
import DetSupport
import DetTensorIO
import Foundation

/// `detkit targets`: per-image training targets of a stored dataset.
struct TargetsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "targets",
    abstract: "Write per-image match indices, class labels and encoded box targets of a dataset.",
    discussion: """
      Per image (resized per --resize, anchors on the padded canvas, detkit's anchor order):
        <image_id>/matches      int64 [N]      matched ground-truth row,
                                               -1 background, -2 ignore
        <image_id>/labels       int64 [N]      contiguous 0-based category index,
                                               -1, -2
        <image_id>/box_targets  float32 [N,4]  torchvision BoxCoder(1,1,1,1)
                                               deltas, zero where not positive
      Ground-truth rows count the image's non-crowd annotations in import order. With \
      --ignore-crowd, anchors whose intersection over their own area with a crowd box \
      exceeds --ignore-iof are ignored (-2). The matcher is the preset's (fpn: RPN \
      0.7/0.3, retinanet: 0.5/0.4, low-quality matches on) with --policy; --assigner atss \
      uses mmdetection's ATSS (top 9 per level).

      --output FILE.safetensors holds every image's targets in memory until the file is \
      written (32 bytes per anchor and image: about 8.6 MB per W-FPN image); --output DIR \
      streams, one image at a time, to <image_id>.matches.npy, <image_id>.labels.npy and \
      <image_id>.box_targets.npy.

      Example:
        detkit targets --db store.sqlite --name demo --preset retinanet \\
          --ignore-crowd --output targets.safetensors
      """)

  @OptionGroup var options: PipelineOptions

  @OptionGroup var progressOptions: ProgressOptions

  @OptionGroup var parallel: ParallelOptions

  @Option(help: "Labelling rule: torchvision, detectron2, mmdetection, detectron, detkit.")
  var policy: PolicyOption = .torchvision

  @Option(help: "Assigner: max-iou or atss.")
  var assigner: AssignerOption = .maxIoU

  @Flag(help: "Treat crowd boxes as ignore regions.")
  var ignoreCrowd = false

  @Option(help: "IoF above which an anchor in a crowd box is ignored.")
  var ignoreIof: Float = 0.5

  @Option(help: "Output: a .safetensors file or a directory for NPY files.")
  var output: String

  func validate() throws {
    guard ignoreIof > 0, ignoreIof.isFinite else {
      throw ValidationError("--ignore-iof must be positive, got \(ignoreIof)")
    }
  }

  /// The targets of one image (shared with `detkit loss` and `detkit draw`).
  static func targets(
    of image: PipelineImage, grid: AnchorGrid, index: GridAnchorIndex, preset: PresetOption,
    policy: PolicyOption = .torchvision, assigner: AssignerOption = .maxIoU,
    ignoreCrowd: Bool = false,
    ignoreIoF: Float = 0.5
  ) throws -> TrainingTargets {
    let regions = ignoreCrowd ? image.crowd : BoxArray()
    let iof: Float? = ignoreCrowd ? ignoreIoF : nil
    let result: MatchResult
    do {
      switch assigner {
      case .maxIoU:
        var matcher = presetMatcher(preset, policy: policy.policy(minPositiveIoU: 0))
        matcher.ignoreIoFThreshold = iof
        result = try matcher.match(groundTruth: image.boxes, in: index, ignoreRegions: regions)
      case .atss:
        result = try ATSSAssigner(topK: 9, fallsBackToBestCandidate: false, ignoreIoFThreshold: iof)
          .assign(groundTruth: image.boxes, grid: grid, ignoreRegions: regions)
      }
    } catch {
      throw PipelineError("image \(image.record.id) (\(image.record.fileName)): \(error)")
    }
    return TrainingTargets(
      match: result, classes: image.labels, groundTruth: image.boxes, anchors: grid.boxes,
      coder: BoxCoder())
  }

  func run() throws {
    let walker = try DatasetWalker(options)
    let bar = progressOptions.bar(
      "targets of \(options.name)", total: try walker.store.dataset(named: options.name).images)
    defer { bar.finish() }
    var cache = GridCache(options.generator)
    let toSafetensors = output.hasSuffix(".safetensors")
    let dir = URL(fileURLWithPath: output)
    if !toSafetensors {
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    var tensors: [(name: String, tensor: Tensor)] = []
    var images = 0
    var positives = 0
    // Targets are computed on every core and written in import order (`--threads`).
    try orderedParallelMap(
      window: parallel.window, maxConcurrency: parallel.threads,
      produce: { yield in
        try walker.forEachImage { image in
          let key = image.record.id.description
          if !toSafetensors, key.contains("/") || key.isEmpty || key.hasPrefix(".") {
            throw PipelineError(
              "image id \"\(key)\" cannot name a file; write a .safetensors file instead")
          }
          let (grid, index) = try cache.grid(for: image)
          try yield((key, image, grid, index))
        }
      },
      transform: { key, image, grid, index in
        let t = try Self.targets(
          of: image, grid: grid, index: index, preset: options.preset, policy: policy,
          assigner: assigner,
          ignoreCrowd: ignoreCrowd, ignoreIoF: ignoreIof)
        let n = grid.count
        let parts: [(String, Tensor)] = [
          ("matches", Tensor(shape: [n], int64: t.matches.map(Int64.init))),
          ("labels", Tensor(shape: [n], int64: t.labels.map(Int64.init))),
          ("box_targets", Tensor(shape: [n, 4], float32: t.boxTargets)),
        ]
        return (key, parts, t.statistics.positives)
      },
      consume: { key, parts, imagePositives in
        for (suffix, tensor) in parts {
          if toSafetensors {
            tensors.append((name: "\(key)/\(suffix)", tensor: tensor))
          } else {
            try NPYFile.write(tensor, to: dir.appendingPathComponent("\(key).\(suffix).npy"))
          }
        }
        images += 1
        positives += imagePositives
        bar.advance()
      })
    bar.finish()
    if toSafetensors {
      try SafetensorsFile.write(
        tensors,
        metadata: [
          "preset": options.preset.rawValue, "compat": options.compat.rawValue,
          "resize": options.resize.rawValue,
        ], to: dir)
    }
    FileHandle.standardError.write(
      Data("wrote targets of \(images) images (\(positives) positive anchors) to \(output)\n".utf8))
  }
}
