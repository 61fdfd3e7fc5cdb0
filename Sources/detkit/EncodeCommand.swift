import ArgumentParser
import DetGeometry
import DetPipeline
import Foundation

/// `detkit encode`: regression targets of boxes relative to anchors.
struct EncodeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "encode",
    abstract: "Encode [N, 4] boxes as (dx, dy, dw, dh) deltas relative to [N, 4] anchors.",
    discussion: """
      Row i of the output encodes boxes[i] relative to anchors[i] with torchvision's \
      BoxCoder (= detectron2 Box2BoxTransform) and the given weights:
        dx = wx (gcx - acx) / aw,  dw = ww ln(gw / aw)   (dy, dh likewise)
      with w = x2 - x1 and cx = x1 + 0.5 w. Writes float32 [N, 4].

      Examples:
        detkit encode --anchors anchors.npy --boxes matched_gt.npy \\
          --output deltas.npy
        detkit encode --anchors rois.npy --boxes gt.npy --weights 10,10,5,5 \\
          --output deltas.npy
      """)

  @Option(help: "Anchor (reference) boxes, NPY [N, 4] xyxy.")
  var anchors: String

  @Option(help: "Boxes to encode, NPY [N, 4] xyxy, one per anchor.")
  var boxes: String

  @Option(help: "Weights of (dx, dy, dw, dh): 1,1,1,1 for RPN/RetinaNet, 10,10,5,5 for Fast R-CNN.")
  var weights = CoderWeights(SIMD4(repeating: 1))

  @Option(help: "Output NPY file, or - for stdout.")
  var output: String

  @Option(help: NonFiniteOption.boxHelp)
  var nonFinite: NonFiniteOption = .error

  func run() throws {
    let reference = try BoxFiles.readBoxes(anchors, option: "--anchors", nonFinite: nonFinite)
    let targets = try BoxFiles.readBoxes(boxes, option: "--boxes", nonFinite: nonFinite)
    guard reference.count == targets.count else {
      throw PipelineError(
        .badArray, at: boxes,
        "has \(targets.count) boxes but \(anchors) has \(reference.count) anchors; need one box per anchor"
      )
    }
    let deltas = BoxCoder(weights: weights.values).encode(targets, relativeTo: reference)
    try BoxFiles.write(deltas, shape: [targets.count, 4], to: output)
  }
}
