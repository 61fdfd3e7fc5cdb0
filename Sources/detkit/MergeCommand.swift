import ArgumentParser
import DetStore
import Foundation

/// `detkit merge`: datasets into a new one.
struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Merge datasets into a new dataset (categories matched by name).",
    discussion: """
      Categories are matched by name (--remap FILE, a JSON object of old to new names, \
      renames first); images with the same file name and pixel size are one image; ids \
      that clash are renumbered and counted. Records are copied verbatim; the sources are \
      left as they are. One transaction.

      Example:
        detkit merge --db store.sqlite --into all voc-train voc-val
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The new dataset.")
  var into: String

  @Option(
    help: ArgumentHelp("Category names to change first (JSON old -> new).", valueName: "file"))
  var remap: String?

  @Argument(help: "The datasets to merge, in order (earlier ones keep their ids).")
  var names: [String]

  @OptionGroup var progressOptions: ProgressOptions

  func validate() throws {
    guard !names.isEmpty else { throw ValidationError("name at least one dataset") }
  }

  func run() throws {
    var renaming: [String: String] = [:]
    if let remap {
      let data = try Data(contentsOf: URL(fileURLWithPath: remap))
      guard let map = try JSONSerialization.jsonObject(with: data) as? [String: String] else {
        throw ValidationError("--remap \(remap): expected a JSON object of names to names")
      }
      renaming = map
    }
    let bar = progressOptions.bar("merging into \(into)", unit: .records)
    defer { bar.finish() }
    let merged = try AnnotationStore(path: db, mode: .existing).merge(
      names, into: into, renaming: renaming, progress: bar.update)
    bar.finish()
    let r = merged.report
    printError(
      "merged \(names.count) datasets into \"\(into)\": \(r.categories) categories, \(r.images) images, \(r.annotations) annotations"
    )
    if merged.duplicateImages > 0 {
      printError("\(merged.duplicateImages) images were already there (same file name and size)")
    }
    for (kind, count) in merged.renumbered.sorted(by: { $0.key < $1.key }) {
      printError("renumbered \(count) \(kind) ids that clashed")
    }
    for example in merged.examples { printError("  \(example)") }
  }
}
