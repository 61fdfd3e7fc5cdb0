import DetGeometry
import Foundation

/// Imports a folder of Pascal VOC XML files (VOC devkit, labelImg, CVAT's VOC export) into
/// an ``AnnotationStore`` as one dataset, in one transaction.
///
/// Layout: the XML files of `source/Annotations/` when that folder exists (VOC devkit,
/// CVAT), else of `source/` itself, recursively, in byte order of their relative paths; or
/// a single `.xml` file.
///
/// Records:
/// - images get ids 1, 2, ... in file order; `fileName` is the XML's `<filename>`; the size
///   is `<size>`, or when that is missing or zero, the header of the image file found at
///   `imagesDirectory/<filename>`, `<xml folder>/<filename>` or
///   `<source>/JPEGImages/<filename>` (EXIF-oriented size);
/// - categories get ids 1, 2, ... in the order of ``classNames`` when given (then any
///   other name is an unknown category), else in sorted order of the names found (for the
///   20 VOC classes that is VOC's own order, aeroplane ... tvmonitor);
/// - annotations get ids 1, 2, ... in file and object order; the box follows
///   ``convention`` (see ``VOCBoxConvention``); `difficult`, `truncated`, `occluded`
///   (absent = false) and `pose` are kept.
///
/// Validation follows `ImportOptions`: a malformed object (no `<bndbox>`, a coordinate
/// that is not a finite number, ...) is `.malformed`; the writer applies its own rules
/// (non-positive size, outside the image, ...). A malformed XML file aborts a strict
/// import with file, line, column and element; under `.skip` it is counted as one
/// `.malformed` record and named in the report's warnings.
public struct VOCImporter: DatasetImporter {
  /// The folder of XML files (or one XML file) to read.
  public var path: String
  /// How `<bndbox>` values become continuous corners.
  public var convention: VOCBoxConvention
  /// Where to look for image files when an XML lacks `<size>`.
  public var imagesDirectory: String?
  /// A fixed class list (category ids 1...n in this order); `nil` to take the names found.
  public var classNames: [String]?

  /// The largest XML file read (VOC files are a few KiB).
  public static let fileSizeLimit = 16 << 20

  public init(
    path: String, convention: VOCBoxConvention = .asWritten, imagesDirectory: String? = nil,
    classNames: [String]? = nil
  ) {
    if let classNames {
      precondition(Set(classNames).count == classNames.count, "class names must be distinct")
    }
    self.path = path
    self.convention = convention
    self.imagesDirectory = imagesDirectory
    self.classNames = classNames
  }

  /// Imports ``path`` as dataset `name` (one transaction).
  ///
  /// - Parameter progress: called now and then with the fraction of files written, in [0, 1].
  /// - Returns: the store's report (counts, skips by reason, warnings).
  /// - Throws: `StoreError`: `.io` for a missing source or a refused file (see
  ///   `ImportFolder` rules: symbolic links leaving the folder, non-regular files);
  ///   `.malformedInput` for a malformed XML file (strict); `.invalidRecord` (strict);
  ///   `.datasetExists` without `options.replace`. On any error the store is unchanged.
  /// - Complexity: O(total XML size); the parsed annotations of the dataset are held in
  ///   memory until written (a few bytes per object).
  @discardableResult
  public func importDataset(
    into store: AnnotationStore, named name: String, options: ImportOptions = ImportOptions(),
    progress: ProgressHandler? = nil
  ) throws -> ImportReport {
    let source = URL(fileURLWithPath: path)
    let (folder, files) = try xmlFiles(source)
    var documents: [(file: URL, parsed: Result<VOCAnnotation.Parsed, StoreError>)] = []
    for file in files {
      let bytes = try folder.read(file, limit: Self.fileSizeLimit)
      do {
        documents.append((file, .success(try VOCAnnotation.parse(xml: bytes))))
      } catch let failure as FormatFailure {
        let error = failure.storeError(file: file.path)
        if options.policy == .strict { throw error }
        documents.append((file, .failure(error)))
      }
    }
    let names =
      classNames
      ?? Set(documents.flatMap { (try? $0.parsed.get())?.annotation.objects.map(\.name) ?? [] })
      .sorted()
    var categoryIDs: [String: RecordID] = [:]
    for (i, name) in names.enumerated() { categoryIDs[name] = .int(Int64(i + 1)) }

    return try store.importDataset(
      named: name, format: "voc", source: source.path, options: options
    ) { writer in
      for (i, name) in names.enumerated() {
        try writer.add(
          CategoryRecord(id: .int(Int64(i + 1)), name: name), at: SourceLocation(file: source.path))
      }
      var imageID: Int64 = 0
      var annotationID: Int64 = 0
      for (done, (file, result)) in documents.enumerated() {
        progress?(Double(done) / Double(documents.count))
        let parsed: VOCAnnotation.Parsed
        switch result {
        case .failure(let error):
          writer.warn("skipped malformed file: \(error)")
          try writer.skip(
            .malformed, error.message, at: error.location ?? SourceLocation(file: file.path))
          continue
        case .success(let value):
          parsed = value
        }
        imageID += 1
        let annotation = parsed.annotation
        guard let size = try imageSize(of: annotation, xml: file, folder: folder) else {
          try writer.skip(
            .malformed,
            "no <size> and no image file '\(annotation.fileName)' to read it from (pass the images folder)",
            recordID: .int(imageID), at: SourceLocation(file: file.path, path: "annotation/size"))
          continue
        }
        try writer.add(
          ImageRecord(
            id: .int(imageID), fileName: annotation.fileName, width: size.width, height: size.height
          ),
          at: SourceLocation(file: file.path, path: "annotation"))
        for (position, item) in parsed.order.enumerated() {
          annotationID += 1
          let object: VOCObject
          switch item {
          case .failure(let failure):
            try writer.skip(
              .malformed, failure.reason, recordID: .int(annotationID), isAnnotation: true,
              at: failure.location(file: file.path))
            continue
          case .success(let index):
            object = annotation.objects[index]
          }
          let location = SourceLocation(
            file: file.path, line: object.line,
            path: "annotation/object[\(position + 1)] (\(object.name))")
          guard let categoryID = categoryIDs[object.name] else {
            try writer.skip(
              .unknownCategory, "class '\(object.name)' is not in the given class list",
              recordID: .int(annotationID), isAnnotation: true, at: location)
            continue
          }
          let c = convention.corners(of: object)
          let record = AnnotationRecord(
            id: .int(annotationID), imageID: .int(imageID), categoryID: categoryID,
            x: c.x1, y: c.y1, width: c.x2 - c.x1, height: c.y2 - c.y1,
            isDifficult: object.difficult ?? false, isTruncated: object.truncated ?? false,
            isOccluded: object.occluded ?? false, pose: object.pose)
          try writer.add(record, at: location)
        }
      }
    }
  }

  /// The folder to read and its XML files.
  private func xmlFiles(_ source: URL) throws -> (ImportFolder, [URL]) {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
      throw StoreError(.io, "no such file or folder", location: SourceLocation(file: source.path))
    }
    if !isDirectory.boolValue {
      let folder = try ImportFolder(source.deletingLastPathComponent())
      return (folder, [source])
    }
    let folder = try ImportFolder(source)
    let annotations = source.appendingPathComponent("Annotations")
    var annotationsIsDirectory: ObjCBool = false
    let base =
      FileManager.default.fileExists(atPath: annotations.path, isDirectory: &annotationsIsDirectory)
        && annotationsIsDirectory.boolValue ? annotations : source
    let files = try folder.files(in: base, extensions: ["xml"], recursive: true)
    guard !files.isEmpty else {
      throw StoreError(.io, "no .xml files found", location: SourceLocation(file: base.path))
    }
    return (folder, files)
  }

  /// `<size>`, else the oriented size from the image file's header, else `nil`.
  private func imageSize(of annotation: VOCAnnotation, xml: URL, folder: ImportFolder) throws
    -> ImageSize?
  {
    if let size = annotation.size { return ImageSize(height: size.height, width: size.width) }
    // The file name is data: look it up only as a plain name inside the candidate folders.
    let name = (annotation.fileName as NSString).lastPathComponent
    guard !name.isEmpty, name != ".", name != ".." else { return nil }
    var candidates: [(ImportFolder, URL)] = []
    if let imagesDirectory, let images = try? ImportFolder(URL(fileURLWithPath: imagesDirectory)) {
      candidates.append((images, images.url.appendingPathComponent(name)))
    }
    candidates.append((folder, xml.deletingLastPathComponent().appendingPathComponent(name)))
    candidates.append(
      (folder, folder.url.appendingPathComponent("JPEGImages").appendingPathComponent(name)))
    for (root, url) in candidates
    where FileManager.default.fileExists(atPath: url.path) && root.contains(url) {
      return try ImageHeader.read(contentsOf: url).orientedSize
    }
    return nil
  }
}
