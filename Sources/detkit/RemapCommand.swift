import ArgumentParser
import DetStore
import Foundation

/// `detkit remap`: categories renamed or merged in place from a JSON map.
struct RemapCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "remap",
    abstract: "Rename or merge categories of a dataset in place from a JSON map.",
    discussion: """
      The map is a JSON object {"old name": "new name", ...}. A new name that is already a \
      category receives the old one's boxes and the old category is removed; otherwise the \
      category is renamed. One transaction: all of it or nothing.

      Example:
        detkit remap --db store.sqlite --name voc --map vehicles.json
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset.")
  var name: String

  @Option(help: ArgumentHelp("The JSON object of old to new names.", valueName: "file"))
  var map: String

  @OptionGroup var progressOptions: ProgressOptions

  func run() throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: map))
    guard let mapping = try JSONSerialization.jsonObject(with: data) as? [String: String] else {
      throw ValidationError("--map \(map): expected a JSON object of names to names")
    }
    let bar = progressOptions.bar("remapping \(name)", unit: .records)
    defer { bar.finish() }
    let moved = try AnnotationStore(path: db, mode: .existing).remapCategories(
      in: name, mapping, progress: bar.update)
    bar.finish()
    printError("remapped \(mapping.count) categories of \"\(name)\"; \(moved) boxes moved")
  }
}
