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

      YOLO has no crowd flag: a dataset with crowd boxes is refused (nothing written) unless \
      --crowd drop leaves them out. What YOLO has no place for (COCO info and licenses, \
      segmentations, ...) is reported on stderr with counts.

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

  @Option(help: "Crowd boxes: refuse or drop.")
  var crowd: CrowdPolicy = .refuse

  @OptionGroup var progressOptions: ProgressOptions

  func validate() throws {
    if crowd == .asDifficult {
      throw ValidationError("--crowd as-difficult: YOLO has no difficult flag; use drop")
    }
  }

  func run() throws {
    let store = try AnnotationStore(path: db, mode: .readOnly)
    let bar = progressOptions.bar(
      "exporting \(name)", total: try store.dataset(named: name).images)
    defer { bar.finish() }
    let report = try YOLOExporter(path: output, crowd: crowd).export(
      from: store, dataset: name, progress: { bar.update(fraction: $0) })
    bar.finish()
    printError("exported \"\(name)\": \(report.images) label files and data.yaml under \(output)")
    for line in report.lossLines { printError(line) }
  }
}
