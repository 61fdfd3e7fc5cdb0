import ArgumentParser
import DetLoss
import DetPipeline
import DetTensorIO
import Foundation

/// `detkit loss`: evaluate a detection loss over NPY arrays and print the reduced value.
struct LossCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "loss",
    abstract: "Evaluate a detection loss (and its gradient) over NPY arrays.",
    discussion: """
      The element losses read float NPY arrays (any float dtype; converted to \
      float32), print {"count": N, "loss": L} and optionally write the per-element \
      losses (--output) and the gradient of the reduced loss w.r.t. the prediction \
      (--grad) as float32 NPY. A NaN or infinity in any input is an error naming the \
      file, the array and the element, unless --non-finite propagate (then L may be \
      null: NaN or infinite).

      Examples:
        detkit loss focal --logits logits.npy --targets labels.npy --normalizer 12
        detkit loss smooth-l1 --input deltas.npy --targets targets.npy \\
          --beta 0.1111 --reduction mean
        detkit loss giou --input pred_boxes.npy --targets gt_boxes.npy --grad g.npy

      retinanet and rpn instead evaluate a detection head over a stored dataset \
      (predictions in safetensors or NPY per image); see their --help.
      """,
    subcommands: [
      LossFocalCommand.self, LossBCECommand.self, LossSmoothL1Command.self, LossL1Command.self,
      LossHuberCommand.self, LossGIoUCommand.self, LossDIoUCommand.self, LossCIoUCommand.self,
      LossRetinaNetCommand.self, LossRPNCommand.self,
    ]
  )
}

extension Reduction: ExpressibleByArgument {}

/// The options every `detkit loss` subcommand shares.
struct LossOutputOptions: ParsableArguments {
  @Option(help: "Reduction: none (prints the sum), sum or mean.")
  var reduction: Reduction = .sum

  @Option(help: "Divide the reduced loss and the gradient by N (> 0), e.g. the positive count.")
  var normalizer: Double = 1

  @Option(help: "Write the per-element losses as float32 NPY to this file.")
  var output: String?

  @Option(help: "Write the gradient w.r.t. the prediction as float32 NPY to this file.")
  var grad: String?

  @Option(help: NonFiniteOption.help)
  var nonFinite: NonFiniteOption = .error

  func validate() throws {
    guard normalizer > 0 && normalizer.isFinite else {
      throw ValidationError("--normalizer must be a positive number, got \(normalizer)")
    }
  }

  /// What the library should fill.
  var requested: LossOutputs {
    var outputs: LossOutputs = []
    if output != nil { outputs.insert(.values) }
    if grad != nil { outputs.insert(.gradient) }
    return outputs
  }

  /// Reads the float NPY array of option `option` (e.g. `--logits`) as float32 values
  /// with its shape, checked per `--non-finite`.
  func readFloatArray(_ path: String, option: String) throws -> (values: [Float], shape: [Int]) {
    let tensor = try NPYFile.read(contentsOf: URL(fileURLWithPath: path))
    let values = try tensor.asFloat32()
    try nonFinite.check(values, of: tensor, file: path, array: option)
    return (values, tensor.shape)
  }

  /// Writes the requested arrays and prints `{"count", "loss"}`; a NaN or infinite loss
  /// (under `--non-finite propagate`) prints as null.
  func finish(_ result: LossResult, valueShape: [Int], gradientShape: [Int]) throws {
    if let output {
      try NPYFile.write(
        Tensor(shape: valueShape, float32: result.values), to: URL(fileURLWithPath: output))
    }
    if let grad {
      try NPYFile.write(
        Tensor(shape: gradientShape, float32: result.gradient), to: URL(fileURLWithPath: grad))
    }
    printJSON(["loss": .double(Double(result.loss)), "count": .int(result.count)])
  }
}
