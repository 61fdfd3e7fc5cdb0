import ArgumentParser

/// The `detkit` command: one subcommand per job, each in its own file.
@main
struct Detkit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "detkit",
    abstract: "Anchors, matching, box coding, detection losses and annotation stores.",
    discussion: """
      Data goes to stdout (or --output), diagnostics to stderr. Exit status: 0 success,
      1 runtime failure, 64 usage error.
      """,
    version: "0.1.0",
    subcommands: [
      AnchorsCommand.self, IoUCommand.self, EncodeCommand.self, DecodeCommand.self,
      MatchCommand.self, SampleCommand.self, LossCommand.self, ImportCommand.self,
      ExportCommand.self, DatasetsCommand.self, StatsCommand.self, ShowCommand.self,
      CoverageCommand.self, TargetsCommand.self, DrawCommand.self, WorstCommand.self,
      EvalCommand.self, DemoCommand.self, BenchCommand.self,
    ]
  )
}
