import ArgumentParser
import DetLoss
import DetPipeline
import Foundation

/// The inputs of the elementwise regression losses.
struct RegressionInputOptions: ParsableArguments {
  @Option(help: "Predictions, float, any shape (e.g. [N, 4] encoded deltas).")
  var input: String

  @Option(help: "Targets, float, same shape as --input.")
  var targets: String

  func run(_ loss: RegressionLoss, _ options: LossOutputOptions) throws {
    let (predictions, shape) = try options.readFloatArray(input, option: "--input")
    let (targetValues, targetShape) = try options.readFloatArray(targets, option: "--targets")
    guard targetShape == shape else {
      throw PipelineError(
        .badArray, at: "",
        "\(targets): targets must have --input's shape \(shape), found \(targetShape)")
    }
    let result = try loss.evaluate(
      predictions: predictions, targets: targetValues, reduction: options.reduction,
      normalizer: options.normalizer, outputs: options.requested)
    try options.finish(result, valueShape: shape, gradientShape: shape)
  }
}

/// `detkit loss smooth-l1`.
struct LossSmoothL1Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "smooth-l1",
    abstract: "Smooth L1: 0.5 d^2 / beta if |d| < beta, else |d| - 0.5 beta (beta 0: L1).",
    discussion: """
      As torch's smooth_l1_loss; beta 0 is exactly L1 with gradient 0 at d = 0.

      Example:
        detkit loss smooth-l1 --input deltas.npy --targets targets.npy \\
          --beta 0.1111 --normalizer 256
      """)

  @OptionGroup var inputs: RegressionInputOptions
  @Option(help: "Transition point (>= 0); torchvision RPN uses 1/9.") var beta: Float = 1.0 / 9
  @OptionGroup var options: LossOutputOptions

  func validate() throws {
    guard beta >= 0 && beta.isFinite else {
      throw ValidationError("--beta must be >= 0, got \(beta)")
    }
  }

  func run() throws { try inputs.run(.smoothL1(beta: beta), options) }
}

/// `detkit loss l1`.
struct LossL1Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "l1",
    abstract: "L1: |prediction - target| (torchvision RetinaNet v1's box loss).",
    discussion: """
      Example:
        detkit loss l1 --input deltas.npy --targets targets.npy --reduction mean
      """)

  @OptionGroup var inputs: RegressionInputOptions
  @OptionGroup var options: LossOutputOptions

  func run() throws { try inputs.run(.l1, options) }
}

/// `detkit loss huber`.
struct LossHuberCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "huber",
    abstract: "Huber: 0.5 d^2 if |d| < delta, else delta (|d| - 0.5 delta).",
    discussion: """
      As torch's huber_loss (= delta x smooth L1 with beta = delta).

      Example:
        detkit loss huber --input deltas.npy --targets targets.npy --delta 1
      """)

  @OptionGroup var inputs: RegressionInputOptions
  @Option(help: "Transition point (> 0).") var delta: Float = 1
  @OptionGroup var options: LossOutputOptions

  func validate() throws {
    guard delta > 0 && delta.isFinite else {
      throw ValidationError("--delta must be > 0, got \(delta)")
    }
  }

  func run() throws { try inputs.run(.huber(delta: delta), options) }
}
