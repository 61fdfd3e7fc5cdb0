import ArgumentParser
import DetGeometry
import DetMatching
import DetPipeline
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
      exceeds --ignore-iof are ignored (-2). The matcher is --matcher's, by default the \
      preset's (fpn: rpn 0.7/0.3, retinanet: 0.5/0.4, low-quality matches on), with \
      --policy; with --anchor-config FILE in place of --preset, --matcher must be given \
      (except with --assigner atss, mmdetection's ATSS, top 9 per level).

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
    if assigner == .maxIoU { _ = try options.matcherChoice() }
    guard ignoreIof > 0, ignoreIof.isFinite else {
      throw ValidationError("--ignore-iof must be positive, got \(ignoreIof)")
    }
  }

  /// The matcher or assigner the options describe.
  var assignment: TargetAssignment {
    get throws(ValidationError) {
      TargetAssignment(
        matcher: assigner == .atss ? .retinaNet : try options.matcherChoice().matcher,
        assigner: assigner == .atss
          ? .atss(topK: 9) : .maxIoU(policy: policy.policy(minPositiveIoU: 0)),
        ignoreCrowdIoF: ignoreCrowd ? ignoreIof : nil)
    }
  }

  func run() throws {
    let bar = progressOptions.bar("targets of \(options.name)")
    defer { bar.finish() }
    let walker = try options.walker()
    let summary = try DatasetTargets(
      walker: walker, generator: try options.generator, assignment: try assignment
    )
    .write(
      to: output,
      metadata: [
        options.anchors.anchorConfig == nil ? "preset" : "anchor_config": options.anchorSource,
        "compat": options.compatName,
        "resize": options.resize.rawValue,
        "label_map": LayoutCommand.labelMap(walker).text(.line),
      ], threads: parallel.threads, progress: bar.update)
    bar.finish()
    FileHandle.standardError.write(
      Data(
        "wrote targets of \(summary.images) images (\(summary.positives) positive anchors) to \(output)\n"
          .utf8))
  }
}
