import ArgumentParser

/// `detkit import <format>`: one subcommand per source format.
struct ImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Import annotations into an SQLite store (one transaction per import).",
    discussion: """
      Each import lands whole or not at all. The report (counts, skipped records by \
      reason) goes to stderr.

      Example:
        detkit import coco instances_val2017.json --db store.sqlite --name val2017
      """,
    subcommands: [
      ImportCOCOCommand.self, ImportCOCOResultsCommand.self, ImportVOCCommand.self,
      ImportYOLOCommand.self,
    ]
  )
}
