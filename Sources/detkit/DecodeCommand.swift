import ArgumentParser
import DetGeometry
import DetPipeline
import Foundation

/// `detkit decode`: boxes from deltas relative to anchors.
struct DecodeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "decode",
    abstract: "Decode [N, 4] (dx, dy, dw, dh) deltas relative to [N, 4] anchors into boxes.",
    discussion: """
      The inverse of `detkit encode` (torchvision BoxCoder.decode_single): dw and dh are \
      divided by their weights and clamped from above at log(1000/16) before exp, so a \
      huge dw cannot overflow. --clip HxW clamps x to [0, W] and y to [0, H] afterwards. \
      Writes float32 [N, 4] xyxy.

      Examples:
        detkit decode --anchors anchors.npy --deltas deltas.npy --output boxes.npy
        detkit decode --anchors rois.npy --deltas d.npy --weights 10,10,5,5 \\
          --clip 800x1344 --output boxes.npy
      """)

  @Option(help: "Anchor (reference) boxes, NPY [N, 4] xyxy.")
  var anchors: String

  @Option(help: "Deltas, NPY [N, 4] (dx, dy, dw, dh), one row per anchor.")
  var deltas: String

  @Option(help: "Weights of (dx, dy, dw, dh), as used to encode.")
  var weights = CoderWeights(SIMD4(repeating: 1))

  @Option(help: "Clip the boxes to an image of this size, HxW.")
  var clip: ImageSize?

  @Option(help: "Output NPY file, or - for stdout.")
  var output: String

  @Option(help: NonFiniteOption.boxHelp)
  var nonFinite: NonFiniteOption = .error

  func run() throws {
    let reference = try BoxFiles.readBoxes(anchors, option: "--anchors", nonFinite: nonFinite)
    let codes = try BoxFiles.readRows(
      deltas, what: "deltas", option: "--deltas", axes: ["anchor", "delta"], nonFinite: nonFinite)
    guard codes.count == 4 * reference.count else {
      throw PipelineError(
        .badArray, at: deltas,
        "has \(codes.count / 4) rows but \(anchors) has \(reference.count) anchors; need one row per anchor"
      )
    }
    let decoded = BoxCoder(weights: weights.values).decode(
      codes, relativeTo: reference, clippingTo: clip)
    try BoxFiles.write(decoded.values, shape: [decoded.count, 4], to: output)
  }
}
