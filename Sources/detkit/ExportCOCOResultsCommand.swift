import ArgumentParser
import DetStore

/// `detkit export coco-results`.
struct ExportCOCOResultsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "coco-results",
    abstract: "Export a detection set of a dataset as a COCO results JSON array.",
    discussion: """
      Writes the set --set (default: default) in import order with the members the import \
      kept, so the file comes back equal as JSON. `detkit datasets` lists the sets. \
      --output - writes to stdout.

      Example:
        detkit export coco-results --db store.sqlite --name val2017 \\
          --set retinanet-r50 --output dets.json
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset whose detections to export.")
  var name: String

  @Option(help: "The detection set.")
  var set = "default"

  @Option(help: "The JSON file to write ('-' for stdout).")
  var output: String

  @OptionGroup var progressOptions: ProgressOptions

  func run() throws {
    let store = try AnnotationStore(path: db, mode: .readOnly)
    let bar = progressOptions.bar("exporting \(set) of \(name)", unit: .records)
    defer { bar.finish() }
    let count = try COCOResultsExporter(path: output, set: set).export(
      from: store, dataset: name, progress: bar.update)
    bar.finish()
    if output != "-" {
      printError("exported \(count) detections of set \"\(set)\" of \"\(name)\" to \(output)")
    }
  }
}
