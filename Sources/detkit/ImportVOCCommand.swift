import ArgumentParser
import DetStore
import Foundation

/// `detkit import voc FOLDER`.
struct ImportVOCCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "voc",
    abstract: "Import a folder of Pascal VOC XML files (VOC devkit, labelImg, CVAT).",
    discussion: """
      Reads FOLDER/Annotations/**.xml when that folder exists, else FOLDER/**.xml (or one \
      .xml file). Child tags may come in any order; DTDs and entities other than the XML \
      built-ins are refused, never expanded. Categories get ids 1..n in sorted name order \
      (or the order of --classes). Boxes: --boxes as-written (default) takes xmin..xmax as \
      continuous corners, like mmdetection and the usual COCO/YOLO converters; --boxes \
      one-based reads them as 1-based inclusive pixel indices like detectron2 \
      (x1 = xmin - 1, y1 = ymin - 1). Symbolic links leaving FOLDER are refused.

      Example:
        detkit import voc VOC2012 --db store.sqlite --name voc2012 --policy skip
      """
  )

  @Argument(help: "The VOC folder (or one XML file).")
  var source: String

  @OptionGroup var options: StoreImportOptions

  @Option(help: "How <bndbox> values map to corners: as-written or one-based.")
  var boxes: VOCBoxConvention = .asWritten

  @Option(help: "A folder of images, read for files whose <size> is missing.")
  var images: String?

  @Option(
    help: "A file with one class name per line: fixes the category order; other names are invalid.")
  var classes: String?

  func run() throws {
    var classNames: [String]?
    if let classes {
      let text: String
      do {
        text = try String(contentsOfFile: classes, encoding: .utf8)
      } catch {
        throw StoreError(
          .io, "cannot read the class list: \(error.localizedDescription)",
          location: SourceLocation(file: classes))
      }
      let names = text.split(whereSeparator: \.isNewline).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      .filter { !$0.isEmpty }
      guard Set(names).count == names.count, !names.isEmpty else {
        throw StoreError(
          .malformedInput, "the class list is empty or repeats a name",
          location: SourceLocation(file: classes))
      }
      classNames = names
    }
    let store = try options.openStore()
    let bar = options.progressOptions.bar("importing \(source)", unit: .files)
    defer { bar.finish() }
    let report = try options.run {
      try VOCImporter(
        path: source, convention: boxes, imagesDirectory: images, classNames: classNames
      )
      .importDataset(
        into: store, named: options.name, options: options.importOptions,
        progress: bar.update(fraction:))
    }
    bar.finish()
    try options.finish(report)
  }
}
