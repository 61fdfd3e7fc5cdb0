import ArgumentParser
import DetStore

extension DatasetFilter.Crowd: ExpressibleByArgument {}

/// `detkit filter`: a new dataset with the records that pass.
struct FilterCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "filter",
    abstract: "Copy the images and boxes of a dataset that pass filters into a new dataset.",
    discussion: """
      Kept records are copied verbatim (crowd, difficult and unknown members included); \
      every category record is kept, so ids stay. The source is left as it is.

      Example:
        detkit filter --db store.sqlite --name voc --into voc-pets --category cat \\
          --category dog --min-side 16 --drop-empty
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset to filter.")
  var name: String

  @Option(help: "The new dataset.")
  var into: String

  @Option(help: "Keep boxes of this category (repeatable); default: all.")
  var category: [String] = []

  @Option(help: "Keep boxes whose smaller side is at least this many pixels.")
  var minSide: Double?

  @Option(
    help: ArgumentHelp("Keep the images listed in this file (one name a line).", valueName: "file"))
  var files: String?

  @Option(help: "Crowd boxes: keep, drop or only.")
  var crowd: DatasetFilter.Crowd = .keep

  @Flag(help: "Leave out images left without boxes.")
  var dropEmpty = false

  @OptionGroup var progressOptions: ProgressOptions

  func run() throws {
    var names: Set<String>?
    if let files {
      let text = try String(contentsOfFile: files, encoding: .utf8)
      names = Set(text.split(whereSeparator: \.isNewline).map { String($0) }.filter { !$0.isEmpty })
    }
    let store = try AnnotationStore(path: db, mode: .existing)
    let bar = progressOptions.bar("filtering \(name)", unit: .records)
    defer { bar.finish() }
    let count = try store.filter(
      name, into: into,
      DatasetFilter(
        categories: Set(category), minimumSide: minSide, fileNames: names, crowd: crowd,
        keepsEmptyImages: !dropEmpty), progress: bar.update)
    bar.finish()
    printError(
      "filtered \"\(name)\" into \"\(into)\": \(count.images) images, \(count.annotations) annotations"
    )
  }
}
