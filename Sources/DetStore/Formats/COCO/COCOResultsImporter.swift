import DetSupport

/// Imports a COCO results file (a JSON array of `{image_id, category_id, bbox, score}`)
/// as detections of an existing dataset, streaming like `COCOImporter`.
///
/// Extra keys (`id`, `area`, `iscrowd`, `category_name`, ...) and ids written as strings
/// are kept verbatim (`DetectionRecord.extra`), so `COCOResultsExporter` gives back an
/// equal file; a `segmentation` is kept verbatim. A result without `bbox` (a segmentation-only results
/// file) is `SkipReason.missingBox`: an error under `.strict`, counted under `.skip`.
///
/// Not a ``DatasetImporter``: it adds detections to an existing dataset instead of making
/// one. Its entry point has the same shape, ``ProgressHandler`` and ``ImportReport``.
public struct COCOResultsImporter: Sendable {
  public var path: String

  public init(path: String) { self.path = path }

  /// Imports the detections into dataset `dataset` as its detection set `set` (one
  /// transaction; other sets are untouched).
  /// - Parameter progress: called now and then with the fraction of bytes read, in [0, 1].
  /// - Returns: the import report (`detections`, skips by reason).
  /// - Throws: `.notFound` (no such dataset), `.malformedInput`, `.invalidRecord`,
  ///   `.datasetExists` (the dataset has detections and `replace` is off), `.io`, `.sqlite`.
  /// - Complexity: O(file size + images of the dataset).
  @discardableResult
  public func importDetections(
    into store: AnnotationStore, dataset: String, set: String = "default",
    options: ImportOptions = ImportOptions(), progress: ProgressHandler? = nil
  ) throws -> ImportReport {
    let file = try mapFile(path)
    return try store.importDetections(into: dataset, set: set, source: path, options: options) {
      writer in
      try COCOPipeline.run(file: file, progress: progress, writer: writer) { try $0.readResults() }
      progress?(1)
    }
  }
}

extension COCOStream {
  mutating func readResults() throws {
    let first = try scanner.peek()
    guard first == UInt8(ascii: "[") else {
      let hint =
        first == UInt8(ascii: "{") ? " (an object is an instances file: use import coco)" : ""
      throw JSONError(
        offset: scanner.position,
        message: "expected a COCO results array '['\(hint), found \(scanner.describe(first))")
    }
    section = ""
    scanner.position += 1
    index = 0
    var firstElement = true
    while try scanner.nextElement(first: &firstElement) {
      try readResult()
      index += 1
      recordDone()
    }
    section = nil
    try scanner.expectEnd()
  }

  private mutating func readResult() throws {
    problem = nil
    kept.removeAll(keepingCapacity: true)
    let recordOffset = try { () throws -> Int in
      _ = try scanner.peek()
      return scanner.position
    }()
    guard scanner.base[recordOffset] == UInt8(ascii: "{") else {
      try typeProblem("an object", at: recordOffset)
      return try emit(
        .invalid(
          .malformed, problem!.message, nil, isAnnotation: false, offset: recordOffset, path: nil,
          place(recordOffset)))
    }
    scanner.position += 1
    var imageID: RecordID?
    var categoryID: RecordID?
    var box: (Double, Double, Double, Double)?
    var score: Double?
    var segmentation: String?
    var first = true
    while let key = try scanner.nextKey(first: &first) {
      field = key
      if scanner.bytes(key, equal: "image_id") {
        imageID = try readIDKeeping(key)
      } else if scanner.bytes(key, equal: "category_id") {
        categoryID = try readIDKeeping(key)
      } else if scanner.bytes(key, equal: "bbox") {
        box = try readBox()
      } else if scanner.bytes(key, equal: "score") {
        score = try readDouble()
      } else if scanner.bytes(key, equal: "segmentation") {
        segmentation = try readRaw()
      } else {
        try skipKeeping(key)
      }
    }
    field = nil
    if let problem {
      return try emit(
        .invalid(
          .malformed, problem.message, nil, isAnnotation: false, offset: problem.offset,
          path: problem.path, place(recordOffset)))
    }
    let missing =
      imageID == nil ? "image_id" : categoryID == nil ? "category_id" : score == nil ? "score" : nil
    if let missing {
      return try emit(
        .invalid(
          .malformed, "missing required key \"\(missing)\"", nil, isAnnotation: false,
          offset: recordOffset, path: nil, place(recordOffset)))
    }
    guard let box else {
      return try emit(
        .invalid(
          .missingBox,
          "result has no \"bbox\" (a segmentation-only results file?); detkit stores box detections",
          nil, isAnnotation: false, offset: recordOffset, path: nil, place(recordOffset)))
    }
    try emit(
      .detection(
        DetectionRecord(
          imageID: imageID!, categoryID: categoryID!, x: box.0, y: box.1, width: box.2,
          height: box.3, score: score!, segmentation: segmentation, extra: takeKept()),
        place(recordOffset)))
  }
}
