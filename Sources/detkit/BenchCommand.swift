import ArgumentParser

/// `detkit bench`: standard workloads of DESIGN.md, timed stage by stage, with the same
/// stages, ground truth and JSON keys as `tools/peer_bench.py`.
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Time detkit on a standard workload (default: fpn, the W-FPN workload).",
    discussion: """
      Each stage runs once to warm up, then --repeat times; the median and minimum \
      wall-clock milliseconds are reported. Compare with torchvision on the same workload:

        ~/.cache/detkit-refenv/bin/python tools/peer_bench.py --gt 20 > peer.json
        detkit bench --gt 20 --compare peer.json
      """,
    subcommands: [
      BenchFPNCommand.self, BenchImportCommand.self, BenchPipelineCommand.self,
      BenchBatchCommand.self,
    ],
    defaultSubcommand: BenchFPNCommand.self)
}
