import ArgumentParser
import DetStore
import Foundation

/// `detkit bench import FILE`: times a COCO import into a fresh temporary store.
struct BenchImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Time a COCO import (W-IMPORT) into a fresh temporary store.",
    discussion: """
      Prints one JSON object: file size, seconds (wall), records, MB/s and peak resident \
      memory (MiB, getrusage). Compare with tools/py_import_baseline.py on the same file. \
      Any COCO instances file will do; the README's W-IMPORT file is made by \
      python3 tools/gen_coco.py --images 118287 --out train.json.

      Example:
        detkit bench import instances_train2017.json
      """
  )

  @Argument(help: "A COCO instances JSON file.")
  var file: String

  @Option(help: "Keep the store here instead of a temporary file.")
  var db: String?

  @OptionGroup var progressOptions: ProgressOptions

  func run() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("detkit-bench-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = db ?? directory.appendingPathComponent("bench.sqlite").path
    let size =
      (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0
    let bar = progressOptions.bar("importing \(file)", unit: .bytes, total: size)
    defer { bar.finish() }
    let start = DispatchTime.now().uptimeNanoseconds
    let report: ImportReport
    do {
      let store = try AnnotationStore(path: path)
      report = try COCOImporter(path: file).importDataset(
        into: store, named: "bench", options: ImportOptions(replace: true),
        progress: { bar.update(fraction: $0) })
    }
    bar.finish()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    printJSON([
      "file": .string(file), "bytes": .int(size), "seconds": .double(seconds),
      "mb_per_second": .double(Double(size) / 1e6 / seconds),
      "images": .int(report.images), "annotations": .int(report.annotations),
      "categories": .int(report.categories),
      "peak_rss_mib": .double(Double(usage.ru_maxrss) / 1024),
    ])
  }
}
