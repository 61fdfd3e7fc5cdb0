import ArgumentParser
import DetGeometry
import DetLoss
import DetPipeline
import Foundation

extension IoULoss.Variant: ExpressibleByArgument {}

/// The inputs and options of the IoU-family losses.
struct IoUInputOptions: ParsableArguments {
  @Option(help: "Predicted boxes, float [N, 4] xyxy pixels.")
  var input: String

  @Option(help: "Target boxes, float [N, 4] xyxy pixels.")
  var targets: String

  @Option(help: "Formula: torchvision (also detectron2 / fvcore) or mmdetection.")
  var variant: IoULoss.Variant = .torchvision

  @Option(help: "Stabiliser eps (>= 0).")
  var eps: Float = 1e-7

  func validate() throws {
    guard eps >= 0 && eps.isFinite else { throw ValidationError("--eps must be >= 0, got \(eps)") }
  }

  func run(_ kind: IoULoss.Kind, _ options: LossOutputOptions) throws {
    let (predicted, shape) = try options.readFloatArray(input, option: "--input")
    let (target, targetShape) = try options.readFloatArray(targets, option: "--targets")
    guard shape.count == 2, shape[1] == 4 else {
      throw PipelineError(.badArray, at: "", "\(input): boxes must be [N, 4], found \(shape)")
    }
    guard targetShape == shape else {
      throw PipelineError(
        .badArray, at: "", "\(targets): target boxes must be \(shape), found \(targetShape)")
    }
    let result = try IoULoss(kind, variant: variant, eps: eps).evaluate(
      predicted: BoxArray(flat: predicted), target: BoxArray(flat: target),
      reduction: options.reduction,
      normalizer: options.normalizer, outputs: options.requested)
    try options.finish(result, valueShape: [shape[0]], gradientShape: shape)
  }
}

/// `detkit loss giou`.
struct LossGIoUCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "giou",
    abstract: "Generalized IoU loss: 1 - IoU + (C - U) / C per box pair.",
    discussion: """
      Example:
        detkit loss giou --input pred.npy --targets gt.npy --reduction mean \\
          --grad g.npy
      """)

  @OptionGroup var inputs: IoUInputOptions
  @OptionGroup var options: LossOutputOptions

  func run() throws { try inputs.run(.giou, options) }
}

/// `detkit loss diou`.
struct LossDIoUCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diou",
    abstract: "Distance IoU loss: 1 - IoU + rho^2 / c^2 per box pair.",
    discussion: """
      Example:
        detkit loss diou --input pred.npy --targets gt.npy --variant mmdetection
      """)

  @OptionGroup var inputs: IoUInputOptions
  @OptionGroup var options: LossOutputOptions

  func run() throws { try inputs.run(.diou, options) }
}

/// `detkit loss ciou`.
struct LossCIoUCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ciou",
    abstract: "Complete IoU loss: DIoU + alpha v (alpha constant for the gradient).",
    discussion: """
      Example:
        detkit loss ciou --input pred.npy --targets gt.npy --output per_box.npy
      """)

  @OptionGroup var inputs: IoUInputOptions
  @OptionGroup var options: LossOutputOptions

  func run() throws { try inputs.run(.ciou, options) }
}
