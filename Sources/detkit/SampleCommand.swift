import ArgumentParser
import DetMatching
import DetPipeline
import DetTensorIO
import Foundation

/// `detkit sample`: draw a balanced training batch from match indices.
struct SampleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sample",
    abstract: "Draw a balanced batch of positive and negative anchors from match indices.",
    discussion: """
      Reads int64 (or int32) [N] matches (>= 0 positive, -1 background, \
      -2 ignore) and writes int64 [N] labels: 1 chosen positive, 0 chosen \
      negative, -1 not chosen. Counts follow torchvision's \
      BalancedPositiveNegativeSampler: positives = min(#pos, int(batch * \
      fraction)), negatives = min(#neg, batch - positives). The draw is a \
      partial Fisher-Yates shuffle driven by SplitMix64(--seed), so a seed \
      gives the same batch on every platform.

      Examples:
        detkit sample --matches m.npy --seed 7 --output s.npy
        detkit sample --matches m.npy --batch 512 --positive-fraction 0.25 \\
          --seed 7 --output s.npy
      """)

  @Option(help: "Match indices NPY file [N] (int64 or int32).")
  var matches: String

  @Option(help: "Anchors per image to draw (torchvision RPN: 256, ROI: 512).")
  var batch: Int = 256

  @Option(help: "Largest share of positives (RPN: 0.5, ROI: 0.25).")
  var positiveFraction: Double = 0.5

  @Option(help: "Seed of the SplitMix64 generator.")
  var seed: UInt64

  @Option(help: "Output NPY file for the int64 [N] labels, or - for stdout.")
  var output: String

  func validate() throws {
    guard batch >= 0 else { throw ValidationError("--batch must be >= 0, got \(batch)") }
    guard positiveFraction >= 0 && positiveFraction <= 1 else {
      throw ValidationError("--positive-fraction must be in [0, 1], got \(positiveFraction)")
    }
    if output == "-" && isatty(STDOUT_FILENO) != 0 {
      throw ValidationError("refusing to write binary NPY to a terminal; give --output FILE")
    }
  }

  func run() throws {
    let tensor = try NPYFile.read(contentsOf: URL(fileURLWithPath: matches))
    guard tensor.shape.count == 1 else {
      throw PipelineError(
        .badArray, at: "", "--matches \(matches): expected shape [N], got \(tensor.shape)")
    }
    let values = try tensor.asInt64()
    if let bad = values.firstIndex(where: { $0 < -2 }) {
      throw PipelineError(
        .badArray, at: "",
        "--matches \(matches): element \(bad) is \(values[bad]); expected >= -2")
    }
    var generator = SeededGenerator(seed: seed)
    let sample = BalancedSampler(batchSize: batch, positiveFraction: positiveFraction)
      .sample(values.map { Int($0) }, using: &generator)
    let labels = Tensor(
      shape: [values.count], int64: sample.labels(count: values.count).map { Int64($0) })
    try writeNPY(labels, to: output)
  }
}
