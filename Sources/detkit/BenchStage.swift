import Dispatch
import Foundation

/// One timed stage of a benchmark workload.
///
/// `prepare` runs untimed: it computes the stage's inputs from the workload and returns
/// the closure that is timed. A new stage is one more entry in its workload's `stages`
/// list (and one in `tools/peer_bench.py`).
struct BenchStage<Workload>: Sendable {
  var name: String
  var summary: String
  var prepare: @Sendable (Workload) -> () -> Any
}

/// The timings of one stage, in the JSON shape `tools/peer_bench.py` writes.
struct StageTiming: Codable, Equatable {
  // The peer script's JSON keys.
  // swift-format-ignore: AlwaysUseLowerCamelCase
  var median_ms: Double
  // swift-format-ignore: AlwaysUseLowerCamelCase
  var min_ms: Double?
  var runs: Int
}

/// The peer's timing of one stage under `torch.compile`: the times of ``StageTiming``
/// plus the first call's (tracing and compiling) time, or the compiler's error instead.
struct CompiledTiming: Codable, Equatable {
  // The peer script's JSON keys.
  // swift-format-ignore: AlwaysUseLowerCamelCase
  var median_ms: Double?
  // swift-format-ignore: AlwaysUseLowerCamelCase
  var min_ms: Double?
  var runs: Int?
  // swift-format-ignore: AlwaysUseLowerCamelCase
  var compile_ms: Double?
  var error: String?
}

/// One benchmark run, the JSON `detkit bench --json` and `tools/peer_bench.py` write.
///
/// The peer's `stages` are eager torchvision; `compiled_stages` (absent in reports of the
/// script's earlier versions) the same stages under `torch.compile`.
struct BenchReport: Codable {
  var tool: String
  var workload: String
  var gt: Int
  var seed: UInt64?
  var threads: Int
  var stages: [String: StageTiming]
  /// Peer only: the compiler of `compiled_stages`, e.g. `torch 2.15.0 torch.compile (...)`.
  var compiler: String?
  // swift-format-ignore: AlwaysUseLowerCamelCase
  var compiled_stages: [String: CompiledTiming]?
  /// detkit only: the kernel variant the run dispatched to (``KernelVariant``) and the
  /// instruction set the build targets.
  // swift-format-ignore: AlwaysUseLowerCamelCase
  var kernel_variant: String?
  // swift-format-ignore: AlwaysUseLowerCamelCase
  var build_target: String?
  /// peer (eager) median / detkit median per stage, when run with `--compare`.
  var speedup: [String: Double]?
  /// peer compiled median / detkit median per stage, when the peer report has them.
  // swift-format-ignore: AlwaysUseLowerCamelCase
  var speedup_compiled: [String: Double]?
  var peer: String?
}

enum BenchTimer {
  /// Runs `body` once to warm up, then `runs` times; returns milliseconds.
  static func time(runs: Int, _ body: () -> Any) -> StageTiming {
    withExtendedLifetime(body()) {}
    var samples: [Double] = []
    for _ in 0..<runs {
      let start = DispatchTime.now().uptimeNanoseconds
      let result = body()
      let end = DispatchTime.now().uptimeNanoseconds
      withExtendedLifetime(result) {}
      samples.append(Double(end - start) / 1e6)
    }
    samples.sort()
    let mid = samples.count / 2
    let median = samples.count % 2 == 1 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2
    return StageTiming(
      median_ms: (median * 1e4).rounded() / 1e4, min_ms: (samples[0] * 1e4).rounded() / 1e4,
      runs: runs)
  }
}
