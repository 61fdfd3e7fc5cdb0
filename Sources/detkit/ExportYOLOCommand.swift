import ArgumentParser
import DetStore

extension YOLOExporter.ImagePlacement: ExpressibleByArgument {}

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

      Training layout: --copy-images link|copy puts each image (found under --images DIR by \
      its stored name) beside its label in OUTPUT/images/; --val NAME adds a second \
      dataset (a part made by `detkit split`) as the validation split (labels/val, \
      images/val; the exported one goes to labels/train, images/train), and data.yaml \
      names both for Ultralytics. Linked images point outside OUTPUT, so importing it \
      back needs import yolo --follow-links.

      Example:
        detkit export yolo --db store.sqlite --name coco128 --output yolo/
        detkit export yolo --db store.sqlite --name voc-train \\
          --val voc-val --copy-images link --images VOC2012/JPEGImages \\
          --output voc-yolo/
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

  @Option(help: "Put the images in OUTPUT/images: none, link or copy.")
  var copyImages: YOLOExporter.ImagePlacement = .none

  @Option(help: "The folder the stored image names are relative to (for --copy-images).")
  var images: String?

  @Option(help: "A dataset to write as the validation split (e.g. NAME-val of a split).")
  var val: String?

  @OptionGroup var progressOptions: ProgressOptions

  func validate() throws {
    if crowd == .asDifficult {
      throw ValidationError("--crowd as-difficult: YOLO has no difficult flag; use drop")
    }
    if copyImages != .none, images == nil {
      throw ValidationError("--copy-images \(copyImages.rawValue) needs --images DIR")
    }
  }

  func run() throws {
    let store = try AnnotationStore(path: db, mode: .readOnly)
    let bar = progressOptions.bar(
      "exporting \(name)", total: try store.dataset(named: name).images)
    defer { bar.finish() }
    let report = try YOLOExporter(
      path: output, crowd: crowd, images: copyImages, imagesFolder: images, validation: val
    ).export(
      from: store, dataset: name, progress: { bar.update(fraction: $0) })
    bar.finish()
    printError("exported \"\(name)\": \(report.images) label files and data.yaml under \(output)")
    for line in report.lossLines { printError(line) }
  }
}
