import ArgumentParser
import DetStore

/// `detkit export yolo`.
struct ExportYOLOCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "yolo",
    abstract: "Export a dataset as YOLO labels (OUTPUT/labels/...) and OUTPUT/data.yaml.",
    discussion: """
      Class numbers are the categories' contiguous indexes; data.yaml lists the names. \
      Images are not copied: put them under OUTPUT/images/ with their stored names. \
      Stored file names are sanitised: nothing is written outside OUTPUT.

      Example:
        detkit export yolo --db store.sqlite --name coco128 --output yolo/
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset to export.")
  var name: String

  @Option(help: "The output folder (created if missing).")
  var output: String

  @OptionGroup var progressOptions: ProgressOptions

  func run() throws {
    let store = try AnnotationStore(path: db, mode: .readOnly)
    let bar = progressOptions.bar(
      "exporting \(name)", total: try store.dataset(named: name).images)
    defer { bar.finish() }
    let report = try YOLOExporter(path: output).export(
      from: store, dataset: name, progress: { bar.update(fraction: $0) })
    bar.finish()
    printError("exported \"\(name)\": \(report.images) label files and data.yaml under \(output)")
  }
}
