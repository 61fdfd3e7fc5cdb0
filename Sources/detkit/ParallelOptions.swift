import ArgumentParser
import Foundation

/// The `--threads` option of the dataset passes (coverage, targets, losses).
struct ParallelOptions: ParsableArguments {
  @Option(
    help:
      "Threads for the per-image work (default: every core; 1 runs serially). The results are the same for any value."
  )
  var threads: Int?

  func validate() throws {
    if let threads, threads < 1 {
      throw ValidationError("--threads must be at least 1, got \(threads)")
    }
  }
}
