import ArgumentParser
import DetStore

/// `detkit import yolo FOLDER`.
struct ImportYOLOCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "yolo",
    abstract: "Import a YOLO dataset (normalised txt labels + images + class names).",
    discussion: """
      Layouts: Ultralytics (FOLDER/labels/** beside FOLDER/images/**), darknet/CVAT \
      (FOLDER/obj_<split>_data/*.txt) and flat (labels beside images). Class names from \
      --names, the dataset YAML's names: (list or index map), names.txt, classes.txt or \
      obj.names. Image sizes come from the image headers (PNG, JPEG, BMP, GIF, WebP; EXIF \
      orientation applied, as OpenCV loads them). Labels without images and images without \
      labels are listed as warnings. The YAML's path:/train: entries are not followed; use \
      --images when the images live elsewhere. Image files that are symbolic links out \
      of the images folder are refused unless --follow-links is given (a folder written by \
      export yolo --copy-images link needs it).

      Example:
        detkit import yolo datasets/coco128 --db store.sqlite --name coco128
      """
  )

  @Argument(help: "The dataset folder, or its YAML file.")
  var source: String

  @OptionGroup var options: StoreImportOptions

  @Option(help: "The folder holding the images, when they are not where the layout puts them.")
  var images: String?

  @Option(help: "The class-name file (a YAML with names: or one name per line).")
  var names: String?

  @Flag(help: "Read image files that are symbolic links to files outside the images folder.")
  var followLinks = false

  func run() throws {
    let store = try options.openStore()
    let bar = options.progressOptions.bar("importing \(source)", unit: .files)
    defer { bar.finish() }
    let report = try options.run {
      try YOLOImporter(
        path: source, imagesDirectory: images, namesFile: names, followLinks: followLinks
      )
      .importDataset(
        into: store, named: options.name, options: options.importOptions,
        progress: bar.update(fraction:))
    }
    bar.finish()
    try options.finish(report)
  }
}
