import ArgumentParser
import DetStore
import Foundation

/// `detkit export voc`.
struct ExportVOCCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "voc",
    abstract: "Export a dataset as Pascal VOC XML files (OUTPUT/Annotations/<name>.xml).",
    discussion: """
      One XML per image; --boxes must match the import's to give back the values read. \
      Stored file names are sanitised: nothing is written outside OUTPUT.

      VOC has no crowd flag: a dataset with crowd boxes is refused (nothing written) unless \
      --crowd drop leaves them out or --crowd as-difficult writes them as difficult objects. \
      What VOC has no place for (COCO info and licenses, segmentations, categories without \
      boxes, ...) is reported on stderr with counts.

      Example:
        detkit export voc --db store.sqlite --name voc2012 --output exported/
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset to export.")
  var name: String

  @Option(help: "The output folder (created if missing).")
  var output: String

  @OptionGroup var progressOptions: ProgressOptions

  @Option(help: "How corners map to <bndbox> values: as-written or one-based.")
  var boxes: VOCBoxConvention = .asWritten

  @Option(help: "Crowd boxes: refuse, drop or as-difficult.")
  var crowd: CrowdPolicy = .refuse

  func run() throws {
    let store = try AnnotationStore(path: db, mode: .readOnly)
    let bar = progressOptions.bar(
      "exporting \(name)", total: try store.dataset(named: name).images)
    defer { bar.finish() }
    let report = try VOCExporter(path: output, convention: boxes, crowd: crowd).export(
      from: store, dataset: name, progress: { bar.update(fraction: $0) })
    bar.finish()
    printError(
      "exported \"\(name)\": \(report.files) XML files under \((output as NSString).appendingPathComponent("Annotations"))"
    )
    for line in report.lossLines { printError(line) }
  }
}
