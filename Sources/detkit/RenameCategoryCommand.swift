import ArgumentParser
import DetStore

/// `detkit rename-category`: one category renamed in place.
struct RenameCategoryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rename-category",
    abstract: "Rename a category of a dataset in place.",
    discussion: """
      The new name must be free; `detkit remap` merges categories.

      Example:
        detkit rename-category --db store.sqlite --name voc --from tvmonitor --to tv
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset.")
  var name: String

  @Option(help: "The category's name.")
  var from: String

  @Option(help: "Its new name.")
  var to: String

  func run() throws {
    try AnnotationStore(path: db, mode: .existing).renameCategory(in: name, from: from, to: to)
    printError("renamed category \"\(from)\" of \"\(name)\" to \"\(to)\"")
  }
}
