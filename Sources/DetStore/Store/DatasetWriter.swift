/// Adds records to one dataset inside an import's transaction, validating each against
/// `ImportOptions` and counting what it stores or skips. Obtain one only from
/// `AnnotationStore.importDataset(...)` or `importDetections(...)`; it is invalid after
/// that call returns.
///
/// Rules (reasons in `SkipReason`; for a record that breaks several, the first one checked
/// is reported: 1-3, then 6 when its image is already known, then 4, 5, 6):
/// 1. a coordinate, size, area or score is NaN/inf → `.nonFinite`;
/// 2. box width/height ≤ 0, image width/height ≤ 0 → `.nonPositiveSize`; image width or
///    height above `ImageRecord.maximumSide` (100,000 px) → `.oversizedImage`;
/// 3. same original id as an earlier record of its kind → `.duplicateID`;
/// 4. category id not in the dataset → `.unknownCategory`;
/// 5. image id not in the dataset → `.unknownImage`;
/// 6. box beyond the image by more than `tolerance` on a side (without `clip`), or nothing
///    left after clipping to `[0, W] x [0, H]` (with `clip`) → `.outsideImage`.
///
/// Detections (a results import) are evaluated as given, as pycocotools does: a zero width or
/// height, or a box beyond its image, is stored and counted in a warning, not refused (rule
/// 2 refuses only negative sizes; rule 6 does not apply; `clip` still clips).
///
/// Records may come in any order: an annotation whose image or category has not been added
/// *yet* is stored, its reference remembered, and settled when the import ends: references
/// that never resolved, and boxes whose image came later (LVIS puts `images` last), are
/// checked in SQL over the stored rows, not by holding records in memory. Only ids (and
/// image sizes) are kept in memory: O(ids), never O(records).
public final class DatasetWriter {
  let database: Database
  let datasetID: Int64
  let options: ImportOptions
  let source: String
  var report: ImportReport
  var isOpen = true
  /// `true` in `importDetections`: only detections may be added; else only the others.
  let isDetectionImport: Bool
  /// The detection set a detection import fills.
  let detectionSet: String

  var imageSizes = ImageSizeTable()
  var categoryIDs = RecordIDTable<Bool>()
  private var annotationIDs = RecordIDSet()
  /// Image ids that stored annotations referred to before the image was added.
  var pendingImages = RecordIDTable<Bool>()
  /// Category ids that stored annotations referred to before the category was added.
  var pendingCategories = RecordIDTable<Bool>()
  /// The number of `add(_: AnnotationRecord)` and annotation `skip` calls so far.
  private(set) var annotationOrdinal = 0
  /// Detections stored with a zero width or height.
  private(set) var keptEmptyDetections = 0
  /// Detections stored as given although they extend beyond their image (by more than
  /// `tolerance`, or, with `clip`, with nothing inside it).
  private(set) var keptOutsideDetections = 0
  /// The stored detections as the set's packed copy gets them (``writeDetectionPack()``);
  /// `nil` once one has a text id (such a set has no pack).
  var packColumns: DetectionColumns?
  /// Chunks of the pack written so far.
  var packChunks = 0

  /// The warnings that say which detections were stored as given although no ground truth
  /// could be like them.
  var keptDetectionWarnings: [String] {
    var out: [String] = []
    if keptEmptyDetections > 0 {
      out.append(
        "kept \(keptEmptyDetections) detections of zero width or height as given (pycocotools evaluates them; they can only be false positives)"
      )
    }
    if keptOutsideDetections > 0 {
      out.append(
        "kept \(keptOutsideDetections) detections that extend beyond their image as given (pycocotools evaluates them so)"
          + (options.clip
            ? "; nothing of them lies inside, so --clip left them" : "; --clip clips them")
      )
    }
    return out
  }

  /// How a deferred check names an annotation in errors: the importer's path for the
  /// n-th (0-based) annotation it passed in. COCO sets `annotations[n]`.
  public var annotationPath: (Int) -> String = { "annotation #\($0 + 1)" }

  private let insertCategory: Statement
  private let insertImage: Statement
  private let insertAnnotation: Statement
  private let insertDetection: Statement

  init(
    database: Database, datasetID: Int64, name: String, source: String, options: ImportOptions,
    isDetectionImport: Bool, detectionSet: String = "default"
  ) throws {
    self.isDetectionImport = isDetectionImport
    self.detectionSet = detectionSet
    self.database = database
    self.datasetID = datasetID
    self.options = options
    self.source = source
    self.report = ImportReport(dataset: name)
    if isDetectionImport { packColumns = DetectionColumns() }
    insertCategory = try database.statement(
      "INSERT INTO categories (dataset_id, original_id, name, supercategory, extra) VALUES (?, ?, ?, ?, ?)"
    )
    insertImage = try database.statement(
      "INSERT INTO images (dataset_id, original_id, file_name, width, height, extra) VALUES (?, ?, ?, ?, ?, ?)"
    )
    insertAnnotation = try database.statement(
      """
      INSERT INTO annotations (dataset_id, ordinal, original_id, image_id, category_id, x, y, w, h,
        area, iscrowd, difficult, truncated, occluded, pose, segmentation, extra, omitted)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """)
    insertDetection = try database.statement(
      """
      INSERT INTO detections (dataset_id, image_id, category_id, x, y, w, h, score, segmentation,
        set_name, extra)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """)
  }

  /// Loads the ids and image sizes of an existing dataset (for detections).
  func loadExistingRecords() throws {
    let images = try database.statement(
      "SELECT original_id, width, height FROM images WHERE dataset_id = ?")
    images.bind(datasetID, at: 1)
    while try images.step() {
      imageSizes.insert(images.recordID(0), (images.int(1), images.int(2)))
    }
    let categories = try database.statement(
      "SELECT original_id FROM categories WHERE dataset_id = ?")
    categories.bind(datasetID, at: 1)
    while try categories.step() { categoryIDs.insert(categories.recordID(0)) }
  }

  // MARK: Adding records

  /// Adds a category.
  /// - Parameter location: where the record is in the source; evaluated only on error.
  /// - Throws: under `.strict`, `StoreError` `.invalidRecord` for a duplicate id.
  public func add(_ category: CategoryRecord, at location: @autoclosure () -> SourceLocation) throws
  {
    precondition(isOpen, "DatasetWriter used after its import ended")
    precondition(!isDetectionImport, "importDetections accepts only DetectionRecord")
    guard categoryIDs.insert(category.id) else {
      return try reject(
        .duplicateID, "category id \(category.id) appears twice", category.id, location())
    }
    insertCategory.bind(datasetID, at: 1)
    insertCategory.bind(category.id, at: 2)
    insertCategory.bind(category.name, at: 3)
    insertCategory.bind(category.supercategory, at: 4)
    insertCategory.bind(category.extra, at: 5)
    try insertCategory.run()
    report.categories += 1
  }

  /// Adds an image.
  /// - Throws: under `.strict`, `.invalidRecord` for a duplicate id, a size ≤ 0 or a side
  ///   above `ImageRecord.maximumSide`.
  public func add(_ image: ImageRecord, at location: @autoclosure () -> SourceLocation) throws {
    precondition(isOpen, "DatasetWriter used after its import ended")
    precondition(!isDetectionImport, "importDetections accepts only DetectionRecord")
    guard image.width > 0, image.height > 0 else {
      return try reject(
        .nonPositiveSize, "image size \(image.width)x\(image.height) (WxH) must be positive",
        image.id, location())
    }
    guard image.width <= ImageRecord.maximumSide, image.height <= ImageRecord.maximumSide else {
      return try reject(
        .oversizedImage,
        "image \(image.id) (\(image.fileName)) is \(image.width)x\(image.height) (WxH); sides above \(ImageRecord.maximumSide) px are refused",
        image.id, location())
    }
    guard imageSizes.insert(image.id, (image.width, image.height)) else {
      return try reject(.duplicateID, "image id \(image.id) appears twice", image.id, location())
    }
    insertImage.bind(datasetID, at: 1)
    insertImage.bind(image.id, at: 2)
    insertImage.bind(image.fileName, at: 3)
    insertImage.bind(Int64(image.width), at: 4)
    insertImage.bind(Int64(image.height), at: 5)
    insertImage.bind(image.extra, at: 6)
    try insertImage.run()
    report.images += 1
  }

  /// Adds an annotation, clipping its box first when `ImportOptions.clip` is on.
  /// - Throws: under `.strict`, `.invalidRecord` for the first broken rule (see the type's
  ///   doc); checks that need a later image or category run when the import ends.
  public func add(_ annotation: AnnotationRecord, at location: @autoclosure () -> SourceLocation)
    throws
  {
    precondition(isOpen, "DatasetWriter used after its import ended")
    precondition(!isDetectionImport, "importDetections accepts only DetectionRecord")
    let ordinal = annotationOrdinal
    annotationOrdinal += 1
    var record = annotation
    let id = record.id
    guard record.x.isFinite, record.y.isFinite, record.width.isFinite, record.height.isFinite,
      record.area?.isFinite ?? true
    else {
      return try reject(.nonFinite, "box or area is not finite", id, location())
    }
    guard record.width > 0, record.height > 0 else {
      return try reject(
        .nonPositiveSize, "box width \(record.width) and height \(record.height) must be > 0", id,
        location())
    }
    guard !annotationIDs.contains(id) else {
      return try reject(.duplicateID, "annotation id \(id) appears twice", id, location())
    }
    let area = record.area ?? record.width * record.height
    // A known image is checked now; a reference to an image or category not seen yet is
    // remembered (ids only) and settled by `finish()`.
    if let size = imageSizes[record.imageID] {
      if let problem = fit(&record, width: size.width, height: size.height) {
        return try reject(.outsideImage, problem, id, location())
      }
    } else {
      pendingImages.insert(record.imageID)
    }
    if !categoryIDs.contains(record.categoryID) { pendingCategories.insert(record.categoryID) }
    annotationIDs.insert(id)
    let s = insertAnnotation
    s.bind(datasetID, at: 1)
    s.bind(Int64(ordinal), at: 2)
    s.bind(id, at: 3)
    s.bind(record.imageID, at: 4)
    s.bind(record.categoryID, at: 5)
    s.bind(record.x, at: 6)
    s.bind(record.y, at: 7)
    s.bind(record.width, at: 8)
    s.bind(record.height, at: 9)
    s.bind(area, at: 10)
    s.bind(Int64(record.isCrowd ? 1 : 0), at: 11)
    s.bind(Int64(record.isDifficult ? 1 : 0), at: 12)
    s.bind(Int64(record.isTruncated ? 1 : 0), at: 13)
    s.bind(Int64(record.isOccluded ? 1 : 0), at: 14)
    s.bind(record.pose, at: 15)
    s.bind(record.segmentation, at: 16)
    s.bind(record.extra, at: 17)
    s.bind(Int64(record.omitted.rawValue), at: 18)
    try s.run()
    report.annotations += 1
  }

  /// Adds a detection (results import only). Its image and category must already be in the
  /// dataset.
  public func add(_ detection: DetectionRecord, at location: @autoclosure () -> SourceLocation)
    throws
  {
    precondition(isOpen, "DatasetWriter used after its import ended")
    precondition(isDetectionImport, "detections go through importDetections(into:...)")
    var box = AnnotationRecord(
      id: .int(0), imageID: detection.imageID, categoryID: detection.categoryID, x: detection.x,
      y: detection.y, width: detection.width, height: detection.height)
    guard box.x.isFinite, box.y.isFinite, box.width.isFinite, box.height.isFinite,
      detection.score.isFinite
    else {
      return try reject(.nonFinite, "box or score is not finite", nil, location())
    }
    guard box.width >= 0, box.height >= 0 else {
      return try reject(
        .nonPositiveSize,
        "box width \(box.width) and height \(box.height) must be >= 0 (a detection may be empty, not negative)",
        nil, location())
    }
    guard categoryIDs.contains(detection.categoryID) else {
      return try reject(
        .unknownCategory, "category id \(detection.categoryID) is not in dataset \(report.dataset)",
        nil, location())
    }
    guard let size = imageSizes[detection.imageID] else {
      return try reject(
        .unknownImage, "image id \(detection.imageID) is not in dataset \(report.dataset)", nil,
        location())
    }
    // Detections are evaluated as given (pycocotools keeps them): an empty box or one beyond
    // its image is stored and counted, not refused; `clip` clips what has something inside.
    if box.width == 0 || box.height == 0 {
      keptEmptyDetections += 1
    } else if fit(&box, width: size.width, height: size.height) != nil {
      keptOutsideDetections += 1
    }
    let s = insertDetection
    s.bind(datasetID, at: 1)
    s.bind(detection.imageID, at: 2)
    s.bind(detection.categoryID, at: 3)
    s.bind(box.x, at: 4)
    s.bind(box.y, at: 5)
    s.bind(box.width, at: 6)
    s.bind(box.height, at: 7)
    s.bind(detection.score, at: 8)
    s.bind(detection.segmentation, at: 9)
    s.bind(detectionSet, at: 10)
    s.bind(detection.extra, at: 11)
    try s.run()
    report.detections += 1
    try addToPack(
      imageID: detection.imageID, categoryID: detection.categoryID, x: box.x, y: box.y,
      width: box.width, height: box.height, score: detection.score)
  }

  /// Records an invalid record that the importer itself found (e.g. malformed fields):
  /// throws under `.strict`, counts it under `.skip`.
  /// - Parameter isAnnotation: pass `true` when the record was an annotation so that the
  ///   annotation numbering used by `annotationPath` stays aligned with the source.
  public func skip(
    _ reason: SkipReason, _ message: String, recordID: RecordID? = nil, isAnnotation: Bool = false,
    at location: @autoclosure () -> SourceLocation
  ) throws {
    precondition(isOpen, "DatasetWriter used after its import ended")
    if isAnnotation { annotationOrdinal += 1 }
    try reject(reason, message, recordID, location())
  }

  /// Keeps the source's top-level document without its record arrays: the text of a JSON
  /// object whose members are the source's own, verbatim and in order, except that
  /// `images`, `annotations` and `categories` stand as `[]` where the source had them.
  /// The COCO export writes this skeleton back with the records in place of the `[]`s.
  public func keepDocument(_ skeleton: String) throws {
    precondition(isOpen, "DatasetWriter used after its import ended")
    let s = try database.statement("UPDATE datasets SET document = ? WHERE id = ?")
    s.bind(skeleton, at: 1)
    s.bind(datasetID, at: 2)
    try s.run()
  }

  /// Adds a warning to the report (no effect on validity).
  public func warn(_ message: String) {
    report.warnings.append(message)
  }

  // MARK: Validation helpers

  private func reject(
    _ reason: SkipReason, _ message: String, _ id: RecordID?, _ location: SourceLocation
  ) throws {
    switch options.policy {
    case .strict:
      throw StoreError(
        .invalidRecord, "\(reason): \(message)", location: location, recordID: id, reason: reason)
    case .skip:
      report.skipped[reason, default: 0] += 1
      if report.skippedRecords.count < options.keptSkips {
        report.skippedRecords.append(
          SkippedRecord(location: location, recordID: id, reason: reason, message: message))
      }
    }
  }

  /// Clips (with `clip`) or checks the box against a `width x height` image.
  /// - Returns: `nil` when the (possibly clipped) box is valid, else the problem.
  private func fit(_ record: inout AnnotationRecord, width: Int, height: Int) -> String? {
    let w = Double(width)
    let h = Double(height)
    let x2 = record.x + record.width
    let y2 = record.y + record.height
    if options.clip {
      guard record.x < 0 || record.y < 0 || x2 > w || y2 > h else { return nil }
      let cx1 = max(record.x, 0)
      let cy1 = max(record.y, 0)
      let cx2 = min(x2, w)
      let cy2 = min(y2, h)
      guard cx2 > cx1, cy2 > cy1 else {
        return
          "box [\(record.x), \(record.y), \(record.width), \(record.height)] lies outside the \(width)x\(height) image"
      }
      record.x = cx1
      record.y = cy1
      record.width = cx2 - cx1
      record.height = cy2 - cy1
      report.clipped += 1
      return nil
    }
    let t = options.tolerance
    guard record.x >= -t, record.y >= -t, x2 <= w + t, y2 <= h + t else {
      return
        "box [\(record.x), \(record.y), \(record.width), \(record.height)] extends beyond the \(width)x\(height) image by more than \(t) px"
    }
    return nil
  }
}
