extension AnnotationStore {
  /// Calls `body` with each category of dataset `name`, in contiguous-index order (ascending
  /// original id), or in the source's order when `inSourceOrder`; `index` set. Streams: one
  /// record in memory at a time.
  /// - Throws: `.notFound`; anything `body` throws (which stops the iteration).
  /// - Complexity: O(categories).
  public func forEachCategory(
    in name: String, inSourceOrder: Bool = false, _ body: (CategoryRecord) throws -> Void
  ) throws {
    let id = try requireDataset(named: name)
    let s = try Statement(
      database: database,
      sql:
        "SELECT original_id, name, supercategory, idx, extra FROM categories WHERE dataset_id = ? ORDER BY \(inSourceOrder ? "id" : "idx")"
    )
    s.bind(id, at: 1)
    while try s.step() {
      try body(
        CategoryRecord(
          id: s.recordID(0), name: s.string(1), supercategory: s.optionalString(2), index: s.int(3),
          extra: s.optionalString(4)))
    }
  }

  /// Calls `body` with each image of dataset `name`, in import order. Streams.
  /// - Complexity: O(images).
  public func forEachImage(in name: String, _ body: (ImageRecord) throws -> Void) throws {
    let id = try requireDataset(named: name)
    let s = try Statement(
      database: database,
      sql:
        "SELECT original_id, file_name, width, height, extra FROM images WHERE dataset_id = ? ORDER BY id"
    )
    s.bind(id, at: 1)
    while try s.step() { try body(Self.image(s)) }
  }

  /// The image `imageID` of dataset `name`.
  /// - Throws: `.notFound` for an unknown dataset or image.
  public func image(in name: String, id imageID: RecordID) throws -> ImageRecord {
    let id = try requireDataset(named: name)
    let s = try database.statement(
      "SELECT original_id, file_name, width, height, extra FROM images WHERE dataset_id = ? AND original_id = ?"
    )
    s.bind(id, at: 1)
    s.bind(imageID, at: 2)
    defer { s.reset() }
    guard try s.step() else {
      throw StoreError(.notFound, "dataset \"\(name)\" has no image with id \(imageID)")
    }
    return Self.image(s)
  }

  /// Calls `body` with each annotation of dataset `name`, in import order. Streams.
  /// - Complexity: O(annotations).
  public func forEachAnnotation(in name: String, _ body: (AnnotationRecord) throws -> Void) throws {
    let id = try requireDataset(named: name)
    let s = try Statement(
      database: database,
      sql: "SELECT \(annotationColumns) FROM annotations WHERE dataset_id = ? ORDER BY id")
    s.bind(id, at: 1)
    while try s.step() { try body(Self.annotation(s)) }
  }

  /// The annotations of image `imageID` in dataset `name`, in import order.
  /// - Complexity: O(log n + k) with the (dataset, image) index.
  public func annotations(in name: String, image imageID: RecordID) throws -> [AnnotationRecord] {
    let id = try requireDataset(named: name)
    let s = try database.statement(
      "SELECT \(annotationColumns) FROM annotations WHERE dataset_id = ? AND image_id = ? ORDER BY id"
    )
    s.bind(id, at: 1)
    s.bind(imageID, at: 2)
    var result: [AnnotationRecord] = []
    while try s.step() { result.append(Self.annotation(s)) }
    return result
  }

  /// Calls `body` with each detection of set `set` of dataset `name`, in import order.
  /// Streams: one record in memory at a time. A set that does not exist has no detections
  /// (see `detectionSets(of:)` for the sets there are).
  /// - Throws: `.notFound` for an unknown dataset; anything `body` throws.
  /// - Complexity: O(detections of the set) with the (dataset, set) index.
  public func forEachDetection(
    in name: String, set: String = "default", _ body: (DetectionRecord) throws -> Void
  ) throws {
    let id = try requireDataset(named: name)
    let s = try Statement(
      database: database,
      sql:
        "SELECT image_id, category_id, x, y, w, h, score, segmentation, extra FROM detections WHERE dataset_id = ? AND set_name = ? ORDER BY id"
    )
    s.bind(id, at: 1)
    s.bind(set, at: 2)
    while try s.step() {
      try body(
        DetectionRecord(
          imageID: s.recordID(0), categoryID: s.recordID(1), x: s.double(2), y: s.double(3),
          width: s.double(4), height: s.double(5), score: s.double(6),
          segmentation: s.optionalString(7), extra: s.optionalString(8)))
    }
  }

  /// The detection sets of dataset `name` with their detection counts, by name.
  /// - Throws: `.notFound` for an unknown dataset.
  /// - Complexity: O(detections of the dataset).
  public func detectionSets(of name: String) throws -> [(name: String, detections: Int)] {
    let id = try requireDataset(named: name)
    let s = try database.statement(
      "SELECT set_name, count(*) FROM detections WHERE dataset_id = ? GROUP BY set_name ORDER BY set_name"
    )
    s.bind(id, at: 1)
    var result: [(name: String, detections: Int)] = []
    while try s.step() { result.append((s.string(0), s.int(1))) }
    return result
  }

  /// The top-level members dataset `name` was imported with (COCO only): the text of a
  /// JSON object with `[]` standing for the record arrays (see `DatasetWriter.keepDocument`),
  /// or `nil` for other formats and for datasets imported before detkit kept it.
  /// - Throws: `.notFound`.
  public func sourceDocument(of name: String) throws -> String? {
    let id = try requireDataset(named: name)
    let s = try database.statement("SELECT document FROM datasets WHERE id = ?")
    s.bind(id, at: 1)
    defer { s.reset() }
    guard try s.step() else { return nil }
    return s.optionalString(0)
  }

  private var annotationColumns: String {
    """
    original_id, image_id, category_id, x, y, w, h, area, iscrowd, difficult, truncated, \
    occluded, pose, segmentation, extra, omitted
    """
  }

  private static func image(_ s: Statement) -> ImageRecord {
    ImageRecord(
      id: s.recordID(0), fileName: s.string(1), width: s.int(2), height: s.int(3),
      extra: s.optionalString(4))
  }

  private static func annotation(_ s: Statement) -> AnnotationRecord {
    AnnotationRecord(
      id: s.recordID(0), imageID: s.recordID(1), categoryID: s.recordID(2), x: s.double(3),
      y: s.double(4), width: s.double(5), height: s.double(6), area: s.double(7),
      isCrowd: s.bool(8), isDifficult: s.bool(9), isTruncated: s.bool(10), isOccluded: s.bool(11),
      pose: s.optionalString(12), segmentation: s.optionalString(13), extra: s.optionalString(14),
      omitted: AnnotationRecord.OmittedKeys(rawValue: s.int(15)))
  }
}
