import ArgumentParser
import DetPipeline

/// The `detkit` command: one subcommand per job, each in its own file.
@main
struct Detkit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "detkit",
    abstract: "Anchors, matching, box coding, detection losses and annotation stores.",
    discussion: """
      Data goes to stdout (or --output), diagnostics to stderr. Exit status: 0 success, \
      1 runtime failure, 64 usage error.
      """,
    version: "0.1.0",
    subcommands: [
      AnchorsCommand.self, IoUCommand.self, EncodeCommand.self, DecodeCommand.self,
      MatchCommand.self, SampleCommand.self, LossCommand.self, ImportCommand.self,
      ExportCommand.self, DatasetsCommand.self, StatsCommand.self, ShowCommand.self,
      CoverageCommand.self, LayoutCommand.self, TargetsCommand.self, DrawCommand.self,
      WorstCommand.self, EvalCommand.self, ImagesCommand.self, RunsCommand.self,
      SplitCommand.self, FilterCommand.self, MergeCommand.self, RenameCategoryCommand.self,
      RemapCommand.self, DemoCommand.self, BenchCommand.self,
    ]
  )

  /// Runs the command; a library's `PipelineError` becomes a runtime failure (exit status 1)
  /// whose message, for a NaN or infinity in an input, names the option that lets it pass.
  static func main() {
    InterruptCleanup.install()
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.starts(with: ["anchors", "optimize"]) {
      AnchorsOptimizeRoot.run(Array(arguments.dropFirst()))
    }
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let error as PipelineError {
      exit(withError: CommandFailure(error))
    } catch {
      exit(withError: error)
    }
  }
}

/// `detkit anchors optimize`, parsed on its own: ArgumentParser would give `anchors`' own
/// options (`--preset`, `--compat`, `--anchor-config`, `--output`) to the parent and
/// validate the parent too. `detkit anchors --help` still lists the subcommand.
struct AnchorsOptimizeRoot: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "detkit anchors", subcommands: [AnchorsOptimizeCommand.self])

  /// Parses `arguments` (`optimize ...`) and runs it; never returns.
  static func run(_ arguments: [String]) -> Never {
    do {
      var command = try parseAsRoot(arguments)
      try command.run()
      exit()
    } catch let error as PipelineError {
      exit(withError: CommandFailure(error))
    } catch {
      exit(withError: error)
    }
  }
}

/// A library failure as the command line reports it: the error's description, plus the
/// `--non-finite propagate` hint for ``PipelineError/Code/nonFiniteInput``; exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
  var error: PipelineError

  init(_ error: PipelineError) { self.error = error }

  var description: String {
    switch error.code {
    case .nonFiniteInput:
      "\(error); pass --non-finite propagate to compute anyway"
    case .unknownCategory, .unresizableImage, .anchorLimit, .assignmentFailed, .unnamableImage,
      .missingPredictions, .badArray, .batchFailed, .badInput, .output:
      error.description
    }
  }
}
