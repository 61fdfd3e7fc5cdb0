import ArgumentParser
import DetStore

/// `detkit import coco-results FILE`.
struct ImportCOCOResultsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "coco-results",
    abstract: "Import a COCO results file (detections) for an existing dataset.",
    discussion: """
      A results file is a JSON array of {image_id, category_id, bbox, score}. The \
      detections are tied to the dataset --name, whose image and category ids they must \
      use. Results without a bbox (segmentation-only) are an error under --policy strict \
      and skipped as missing-box under --policy skip. The --db store must exist (it is \
      never created here).

      A dataset holds several detection sets (models, checkpoints), named by --set \
      (default: default); --replace replaces only the named set. Members other than \
      those are kept verbatim, so export coco-results gives the file back.

      Example:
        detkit import coco-results detections.json --db store.sqlite --name val2017 \\
          --set retinanet-r50
      """
  )

  @Argument(help: "The COCO results JSON file.")
  var source: String

  @OptionGroup var options: StoreImportOptions

  @Option(help: "The detection set to fill (a model or checkpoint).")
  var set = "default"

  func validate() throws {
    guard !set.isEmpty else { throw ValidationError("--set must not be empty") }
  }

  func run() throws {
    let store = try AnnotationStore(path: options.db, mode: .existing)
    let bar = options.progressOptions.bar(
      "importing \(source)", unit: .bytes, total: ProgressOptions.fileSize(source))
    defer { bar.finish() }
    let report = try options.run {
      try COCOResultsImporter(path: source).importDetections(
        into: store, dataset: options.name, set: set, options: options.importOptions,
        progress: { bar.update(fraction: $0) })
    }
    bar.finish()
    try options.finish(report)
  }
}
