import ArgumentParser
import DetStore

/// `detkit export coco`.
struct ExportCOCOCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "coco",
    abstract: "Export a dataset as COCO instances JSON (original ids, verbatim segmentation).",
    discussion: """
      Importing the output gives the same records back. --output - writes to stdout.

      Example:
        detkit export coco --db store.sqlite --name val2017 --output val2017.json
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset to export.")
  var name: String

  @Option(help: "The JSON file to write ('-' for stdout).")
  var output: String

  @OptionGroup var progressOptions: ProgressOptions

  func run() throws {
    let store = try AnnotationStore(path: db, mode: .readOnly)
    let info = try store.dataset(named: name)
    let bar = progressOptions.bar(
      "exporting \(name)", unit: .records, total: info.images + info.annotations)
    defer { bar.finish() }
    let report = try COCOExporter(path: output).export(
      from: store, dataset: name, progress: { bar.update(fraction: $0) })
    bar.finish()
    printError(
      "exported \"\(name)\": \(report.categories) categories, \(report.images) images, \(report.annotations) annotations to \(output == "-" ? "stdout" : output)"
    )
  }
}
