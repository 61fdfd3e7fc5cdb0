import DetGeometry
import Foundation

/// Imports a YOLO dataset (normalised `class cx cy w h` text labels plus images) into an
/// ``AnnotationStore`` as one dataset, in one transaction.
///
/// Layouts, detected in this order (the YAML's `path:`/`train:` entries are not followed,
/// so a dataset file cannot point the importer elsewhere):
/// 1. Ultralytics: `source/labels/**.txt` beside `source/images/**` (any split folders,
///    e.g. `images/train2017/x.jpg` pairs with `labels/train2017/x.txt`).
/// 2. darknet / CVAT: `source/obj_<split>_data/*.txt`, with the images beside the labels.
/// 3. Flat: `source/*.txt` beside the images (except `classes.txt`, `names.txt` and the
///    darknet lists `train.txt`, `val.txt`, `valid.txt`, `test.txt`).
/// ``imagesDirectory`` replaces the images folder of any layout (searched recursively,
/// paired by the path relative to the labels folder without extension).
///
/// Class names, first found: ``namesFile`` (a YAML with `names:` or a one-name-per-line
/// text file); `source` itself when it is a YAML file; the one `*.yaml`/`*.yml` in
/// `source` with a `names:` key; `names.txt`, `classes.txt`, `obj.names`.
///
/// Records:
/// - images get ids 1, 2, ... in byte order of their paths; `fileName` is the path relative
///   to the images folder; the size is read from the image header, EXIF orientation
///   applied (``ImageHeader/orientedSize``), since YOLO labels are normalised by the image
///   as OpenCV loads it;
/// - categories are the names, with ids 0...n-1 (the class numbers);
/// - annotations get ids 1, 2, ... ; boxes are ``YOLOLabel/corners(in:)`` (no clipping,
///   the writer validates); a polygon line keeps its polygon, in pixels, as COCO
///   `segmentation` (`[[x1,y1,...]]`).
///
/// Images without a label file are imported without objects (Ultralytics treats them as
/// background) and label files without an image are not imported; both are listed in the
/// report's warnings.
public struct YOLOImporter: DatasetImporter {
  /// The dataset folder, or its YAML file.
  public var path: String
  /// A folder holding the images, when they are not where the layout puts them.
  public var imagesDirectory: String?
  /// The class-name file, when it is not found in the dataset folder.
  public var namesFile: String?
  /// Read image files that are symbolic links to regular files outside the images folder
  /// (as `export yolo --copy-images link` writes them). Off by default: a crafted dataset
  /// could otherwise make the importer read image headers anywhere. Label and names files
  /// must stay inside the dataset folder either way.
  public var followLinks: Bool

  /// The largest label or names file read.
  public static let fileSizeLimit = 64 << 20

  public init(
    path: String, imagesDirectory: String? = nil, namesFile: String? = nil,
    followLinks: Bool = false
  ) {
    self.path = path
    self.imagesDirectory = imagesDirectory
    self.namesFile = namesFile
    self.followLinks = followLinks
  }

  /// Imports ``path`` as dataset `name` (one transaction).
  ///
  /// - Parameter progress: called now and then with the fraction of images written, in [0, 1].
  /// - Returns: the store's report; warnings list label files without images and images
  ///   without label files.
  /// - Throws: `StoreError`: `.io` for a missing folder, no images, or a refused file
  ///   (symbolic links leaving the folder, unless ``followLinks`` allows image files,
  ///   non-regular files); `.malformedInput` for
  ///   unusable class names or two images with one label key; `.malformedInput` for an
  ///   unreadable image header and `.invalidRecord` for a bad label line (strict);
  ///   `.datasetExists` without `options.replace`. On any error the store is unchanged.
  /// - Complexity: O(label bytes + number of images); one header read per image.
  @discardableResult
  public func importDataset(
    into store: AnnotationStore, named name: String, options: ImportOptions = ImportOptions(),
    progress: ProgressHandler? = nil
  ) throws -> ImportReport {
    let source = URL(fileURLWithPath: path)
    let layout = try YOLOLayout(
      source: source, imagesDirectory: imagesDirectory.map { URL(fileURLWithPath: $0) },
      namesFile: namesFile.map { URL(fileURLWithPath: $0) }, followLinks: followLinks)
    let names = layout.names
    let location = SourceLocation(file: layout.namesSource.path)

    return try store.importDataset(
      named: name, format: "yolo", source: source.path, options: options
    ) { writer in
      for (i, className) in names.enumerated() {
        try writer.add(CategoryRecord(id: .int(Int64(i)), name: className), at: location)
      }
      var imageID: Int64 = 0
      var annotationID: Int64 = 0
      var withoutImage: [String] = []
      var withoutLabel: [String] = []
      for (done, entry) in layout.entries.enumerated() {
        if done % 64 == 0 { progress?(Double(done) / Double(layout.entries.count)) }
        guard let image = entry.image else {
          withoutImage.append(
            entry.label.map { ImportFolder.relativePath(of: $0, under: layout.root.url) }
              ?? entry.key)
          continue
        }
        imageID += 1
        let header: ImageHeader
        do {
          header = try ImageHeader.read(contentsOf: image)
        } catch let error as StoreError {
          if options.policy == .strict { throw error }
          writer.warn("skipped unreadable image: \(error)")
          try writer.skip(
            .malformed, error.message, recordID: .int(imageID), at: SourceLocation(file: image.path)
          )
          continue
        }
        let size = header.orientedSize
        try writer.add(
          ImageRecord(
            id: .int(imageID), fileName: entry.imageName, width: size.width, height: size.height),
          at: SourceLocation(file: image.path))
        guard let label = entry.label else {
          withoutLabel.append(entry.imageName)
          continue
        }
        let parsed = YOLOLabel.parse(file: try layout.root.read(label, limit: Self.fileSizeLimit))
        for line in parsed.lines {
          annotationID += 1
          let yolo: YOLOLabel
          switch line {
          case .failure(let failure):
            try writer.skip(
              .malformed, failure.reason, recordID: .int(annotationID), isAnnotation: true,
              at: failure.location(file: label.path))
            continue
          case .success(let value):
            yolo = value
          }
          let at = SourceLocation(file: label.path, line: yolo.line)
          guard yolo.classIndex < names.count else {
            try writer.skip(
              .unknownCategory,
              "class \(yolo.classIndex) but \(layout.namesSource.lastPathComponent) names \(names.count) classes (0-\(names.count - 1))",
              recordID: .int(annotationID), isAnnotation: true, at: at)
            continue
          }
          let c = yolo.corners(in: size)
          try writer.add(
            AnnotationRecord(
              id: .int(annotationID), imageID: .int(imageID),
              categoryID: .int(Int64(yolo.classIndex)),
              x: c.x1, y: c.y1, width: c.x2 - c.x1, height: c.y2 - c.y1,
              segmentation: yolo.polygon.map { Self.pixelPolygonJSON($0, size: size) }),
            at: at)
        }
      }
      if !withoutImage.isEmpty {
        writer.warn(Self.summary("label file(s) without an image, not imported", withoutImage))
      }
      if !withoutLabel.isEmpty {
        writer.warn(
          Self.summary("image(s) without a label file, imported without objects", withoutLabel))
      }
    }
  }

  /// `N what: a, b, c, ...` naming at most 5.
  static func summary(_ what: String, _ names: [String]) -> String {
    let shown = names.prefix(5).joined(separator: ", ")
    return "\(names.count) \(what): \(shown)\(names.count > 5 ? ", ..." : "")"
  }

  /// A normalised polygon as COCO polygon JSON in pixels, `[[x1,y1,x2,y2,...]]`.
  static func pixelPolygonJSON(_ polygon: [Double], size: ImageSize) -> String {
    var values: [String] = []
    for (i, v) in polygon.enumerated() {
      values.append("\(v * Double(i % 2 == 0 ? size.width : size.height))")
    }
    return "[[" + values.joined(separator: ",") + "]]"
  }
}
