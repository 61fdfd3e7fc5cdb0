import ArgumentParser

/// `detkit export <format>`: one subcommand per target format.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Export a dataset from an SQLite store.",
    discussion: """
      Example:
        detkit export coco --db store.sqlite --name val2017 --output val2017.json
      """,
    subcommands: [
      ExportCOCOCommand.self, ExportVOCCommand.self, ExportYOLOCommand.self,
      ExportCOCOResultsCommand.self,
    ]
  )
}
