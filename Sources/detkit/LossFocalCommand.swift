import ArgumentParser
import DetLoss
import DetPipeline
import DetTensorIO
import Foundation

/// The focal-loss parameters shared by `loss focal` and `loss bce`'s targets handling.
struct FocalTargetOptions: ParsableArguments {
  @Option(help: "Logits, float [N, C] (or any shape with float targets).")
  var logits: String

  @Option(
    help: "Targets: float, same shape as the logits (one-hot or soft); or integer [N] class labels."
  )
  var targets: String

  @Option(
    help:
      "How integer labels mark background / ignore: torchvision (-1 / -2), detectron2 or mmdetection (C / negative)."
  )
  var convention: BackgroundConvention = .torchvision

  /// Evaluates `loss` on the files and finishes the command.
  func run(_ loss: SigmoidFocalLoss, _ options: LossOutputOptions) throws {
    let (logits, shape) = try options.readFloatArray(self.logits, option: "--logits")
    let targetTensor = try NPYFile.read(contentsOf: URL(fileURLWithPath: targets))
    let result: LossResult
    if targetTensor.dtype.isFloatingPoint {
      guard targetTensor.shape == shape else {
        throw PipelineError(
          .badArray, at: "",
          "\(targets): float targets must have the logits' shape \(shape), found \(targetTensor.shape)"
        )
      }
      let targetValues = try targetTensor.asFloat32()
      try options.nonFinite.check(targetValues, of: targetTensor, file: targets, array: "--targets")
      result = try loss.evaluate(
        logits: logits, targets: targetValues, reduction: options.reduction,
        normalizer: options.normalizer, outputs: options.requested)
    } else {
      guard shape.count == 2, targetTensor.shape == [shape[0]] else {
        throw PipelineError(
          .badArray, at: "",
          "\(targets): integer labels must be [N] for logits [N, C]; logits are \(shape), labels \(targetTensor.shape)"
        )
      }
      let labels = try targetTensor.asInt64().map { Int($0) }
      result = try loss.evaluate(
        logits: logits, classCount: shape[1], labels: labels, convention: convention,
        reduction: options.reduction, normalizer: options.normalizer, outputs: options.requested)
    }
    try options.finish(result, valueShape: shape, gradientShape: shape)
  }
}

extension BackgroundConvention: ExpressibleByArgument {}

/// `detkit loss focal`: torchvision's `sigmoid_focal_loss`.
struct LossFocalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "focal",
    abstract: "Sigmoid focal loss from logits (RetinaNet).",
    discussion: """
      FL = alpha_t (1 - p_t)^gamma BCE(x, t), as torchvision's sigmoid_focal_loss. With integer \
      labels [N] the one-hot target is implied (no C-wide target file); ignored rows are \
      excluded from the sum and the count.

      Example:
        detkit loss focal --logits logits.npy --targets labels.npy --normalizer 12 \\
          --grad g.npy
      """)

  @OptionGroup var inputs: FocalTargetOptions
  @Option(help: "Weight of positives in [0, 1]; negative disables it (write --alpha=-1).")
  var alpha: Float = 0.25
  @Option(help: "Focusing exponent (>= 0).") var gamma: Float = 2
  @OptionGroup var options: LossOutputOptions

  func validate() throws {
    guard alpha <= 1 && alpha.isFinite else {
      throw ValidationError("--alpha must be <= 1 (negative: off), got \(alpha)")
    }
    guard gamma >= 0 && gamma.isFinite else {
      throw ValidationError("--gamma must be >= 0, got \(gamma)")
    }
  }

  func run() throws {
    try inputs.run(SigmoidFocalLoss(alpha: alpha, gamma: gamma), options)
  }
}

/// `detkit loss bce`: binary cross-entropy with logits.
struct LossBCECommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bce",
    abstract: "Binary cross-entropy with logits (focal loss with gamma 0, no alpha).",
    discussion: """
      As torch's binary_cross_entropy_with_logits, from logits in the stable form.

      Example:
        detkit loss bce --logits objectness.npy --targets t.npy --reduction mean
      """)

  @OptionGroup var inputs: FocalTargetOptions
  @OptionGroup var options: LossOutputOptions

  func run() throws {
    try inputs.run(.binaryCrossEntropy, options)
  }
}
