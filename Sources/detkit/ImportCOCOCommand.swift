import ArgumentParser
import DetStore

/// `detkit import coco FILE`.
struct ImportCOCOCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "coco",
    abstract: "Import a COCO instances JSON file (streaming; LVIS-style files too).",
    discussion: """
      Top-level keys may come in any order; ids may be numbers or strings ("2299" and \
      2299 are the same id). Segmentation (polygons, RLE) is kept verbatim for export.

      Example:
        detkit import coco instances_val2017.json --db store.sqlite --name val2017 \\
          --policy skip
      """
  )

  @Argument(help: "The COCO instances JSON file.")
  var source: String

  @OptionGroup var options: StoreImportOptions

  func run() throws {
    let store = try options.openStore()
    let bar = options.progressOptions.bar(
      "importing \(source)", unit: .bytes, total: ProgressOptions.fileSize(source))
    defer { bar.finish() }
    let report = try options.run {
      try COCOImporter(path: source).importDataset(
        into: store, named: options.name, options: options.importOptions,
        progress: { bar.update(fraction: $0) }
      )
    }
    bar.finish()
    try options.finish(report)
  }
}
