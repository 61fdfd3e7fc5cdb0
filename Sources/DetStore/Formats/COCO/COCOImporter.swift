import DetSupport

/// Imports a COCO "instances" JSON file (also LVIS and other COCO-like files) into a store,
/// streaming.
///
/// - The file is memory-mapped and tokenised in one pass; no document tree is built and
///   parsed pages are released as the reader moves on, so memory is bounded by one record
///   plus the id sets of `DatasetWriter`, not by the file size.
/// - Top-level keys may come in any order (`categories` after `annotations`, LVIS's
///   `images` last).
/// - Nothing is lost: unknown keys at every level (top-level `info`, `licenses`; image
///   `coco_url`, `license`; LVIS category `frequency`, `synonyms`; annotation `ignore`,
///   CVAT `attributes`, ...) are kept verbatim as the raw bytes of the file (validated,
///   never parsed into values), and so are known keys an export would write differently
///   (an id written as the string `"2299"`, `iscrowd: true`, `area: null`); which optional
///   keys were absent is recorded too. `COCOExporter` writes all of it back, so import then
///   export gives a document equal as JSON values to the source.
/// - Read fields: images `id, file_name, width, height`; categories `id, name,
///   supercategory`; annotations `id, image_id, category_id, bbox, area, iscrowd,
///   segmentation` (kept verbatim), and the VOC fields `difficult, truncated, occluded,
///   pose` that `COCOExporter` writes. Ids are numbers or strings (see `RecordID`). A missing
///   `iscrowd` is 0; a missing `area` is `w * h`.
/// - Errors name the file, line:column and JSON path, e.g.
///   `train.json:1:88123 (annotations[1234].bbox[2]): expected a number, found a string`.
public struct COCOImporter: DatasetImporter {
  /// The JSON file to read.
  public var path: String

  public init(path: String) { self.path = path }

  /// Imports the file as dataset `name` (one transaction).
  /// - Parameter progress: called now and then with the fraction of bytes read, in [0, 1].
  /// - Returns: the import report.
  /// - Throws: `StoreError` `.io` (unreadable file), `.malformedInput` (not JSON, not a COCO
  ///   instances object), `.invalidRecord` (strict policy), `.datasetExists`, `.sqlite`.
  /// - Complexity: O(file size) time.
  @discardableResult
  public func importDataset(
    into store: AnnotationStore, named name: String, options: ImportOptions = ImportOptions(),
    progress: ProgressHandler? = nil
  ) throws -> ImportReport {
    let file = try mapFile(path)
    return try store.importDataset(named: name, format: "coco", source: path, options: options) {
      writer in
      writer.annotationPath = { "annotations[\($0)]" }
      try COCOPipeline.run(file: file, progress: progress, writer: writer) {
        try $0.readInstances()
      }
      progress?(1)
    }
  }
}

extension COCOStream {
  /// The top-level object.
  mutating func readInstances() throws {
    let first = try scanner.peek()
    guard first == UInt8(ascii: "{") else {
      let hint =
        first == UInt8(ascii: "[")
        ? " (a top-level array is a results file: use import coco-results)" : ""
      throw JSONError(
        offset: scanner.position,
        message: "expected a COCO instances object '{'\(hint), found \(scanner.describe(first))")
    }
    scanner.position += 1
    var isFirst = true
    var sawSection = false
    // The top-level members other than the record arrays, verbatim and in order, with
    // `[]` where an array stood: the skeleton the COCO export fills in again. A record
    // array given twice stands once (the export writes all of its records there).
    var skeleton: [UInt8] = []
    var sectionsKept: Set<String> = []
    func keepSection(_ key: Range<Int>, in scanner: JSONScanner) {
      guard sectionsKept.insert(scanner.string(key)).inserted else { return }
      if !skeleton.isEmpty { skeleton.append(UInt8(ascii: ",")) }
      skeleton.append(
        contentsOf: UnsafeBufferPointer(
          start: scanner.base + key.lowerBound - 1, count: key.count + 2))
      skeleton.append(contentsOf: ": []".utf8)
    }
    while let key = try scanner.nextKey(first: &isFirst) {
      if scanner.bytes(key, equal: "images") {
        sawSection = true
        keepSection(key, in: scanner)
        try readArray("images") { try $0.readImage() }
      } else if scanner.bytes(key, equal: "annotations") {
        sawSection = true
        keepSection(key, in: scanner)
        try readArray("annotations") { try $0.readAnnotation() }
      } else if scanner.bytes(key, equal: "categories") {
        sawSection = true
        keepSection(key, in: scanner)
        try readArray("categories") { try $0.readCategory() }
      } else {
        field = key
        kept = skeleton
        try skipKeeping(key)
        skeleton = kept
        kept.removeAll()
        field = nil
      }
    }
    try scanner.expectEnd()
    guard sawSection else {
      throw JSONError(
        offset: 0,
        message: "no \"images\", \"annotations\" or \"categories\" key: not a COCO instances file")
    }
    try emit(.document("{" + String(decoding: skeleton, as: UTF8.self) + "}"))
  }

  /// An array of records under a top-level key; `read` consumes one element.
  mutating func readArray(_ name: String, _ read: (inout COCOStream) throws -> Void) throws {
    section = name
    let start = try scanner.peek()
    guard start == UInt8(ascii: "[") else {
      section = nil
      throw JSONError(
        offset: scanner.position,
        message: "\"\(name)\" must be an array, found \(scanner.describe(start))")
    }
    scanner.position += 1
    index = 0
    var first = true
    while try scanner.nextElement(first: &first) {
      try read(&self)
      index += 1
      recordDone()
    }
    section = nil
  }

  /// Starts a record: it must be an object. Returns its offset, or `nil` (after noting the
  /// problem and skipping the value) when it is not an object.
  private mutating func beginRecord() throws -> Int? {
    problem = nil
    kept.removeAll(keepingCapacity: true)
    let start = try scanner.peek()
    let offset = scanner.position
    guard start == UInt8(ascii: "{") else {
      try typeProblem("an object", at: offset)
      return nil
    }
    scanner.position += 1
    return offset
  }

  /// Hands a record with a problem or a missing field to the writer's policy.
  private mutating func rejectMalformed(
    missing: String?, id: RecordID?, recordOffset: Int, isAnnotation: Bool
  ) throws {
    if let problem {
      try emit(
        .invalid(
          .malformed, problem.message, id, isAnnotation: isAnnotation, offset: problem.offset,
          path: problem.path, place(recordOffset)))
    } else {
      try emit(
        .invalid(
          .malformed, "missing required key \"\(missing ?? "")\"", id, isAnnotation: isAnnotation,
          offset: recordOffset, path: nil, place(recordOffset)))
    }
  }

  mutating func readImage() throws {
    guard let recordOffset = try beginRecord() else {
      return try rejectMalformed(
        missing: nil, id: nil, recordOffset: scanner.position, isAnnotation: false)
    }
    var id: RecordID?
    var fileName: String?
    var width: Int?
    var height: Int?
    var first = true
    while let key = try scanner.nextKey(first: &first) {
      field = key
      if scanner.bytes(key, equal: "id") {
        id = try readIDKeeping(key)
      } else if scanner.bytes(key, equal: "file_name") {
        fileName = try readString()
      } else if scanner.bytes(key, equal: "width") {
        width = try readInt()
      } else if scanner.bytes(key, equal: "height") {
        height = try readInt()
      } else {
        try skipKeeping(key)
      }
    }
    field = nil
    let missing =
      id == nil
      ? "id"
      : fileName == nil ? "file_name" : width == nil ? "width" : height == nil ? "height" : nil
    guard problem == nil, missing == nil, let id, let fileName, let width, let height else {
      return try rejectMalformed(
        missing: missing, id: id, recordOffset: recordOffset, isAnnotation: false)
    }
    try emit(
      .image(
        ImageRecord(
          id: id, fileName: fileName, width: width, height: height, extra: takeKept()),
        place(recordOffset)))
  }

  mutating func readCategory() throws {
    guard let recordOffset = try beginRecord() else {
      return try rejectMalformed(
        missing: nil, id: nil, recordOffset: scanner.position, isAnnotation: false)
    }
    var id: RecordID?
    var name: String?
    var supercategory: String?
    var first = true
    while let key = try scanner.nextKey(first: &first) {
      field = key
      if scanner.bytes(key, equal: "id") {
        id = try readIDKeeping(key)
      } else if scanner.bytes(key, equal: "name") {
        name = try readString()
      } else if scanner.bytes(key, equal: "supercategory") {
        supercategory = try readString(nullable: true)
        if supercategory == nil { keepMember(key) }
      } else {
        try skipKeeping(key)
      }
    }
    field = nil
    let missing = id == nil ? "id" : name == nil ? "name" : nil
    guard problem == nil, missing == nil, let id, let name else {
      return try rejectMalformed(
        missing: missing, id: id, recordOffset: recordOffset, isAnnotation: false)
    }
    try emit(
      .category(
        CategoryRecord(id: id, name: name, supercategory: supercategory, extra: takeKept()),
        place(recordOffset)))
  }

  mutating func readAnnotation() throws {
    guard let recordOffset = try beginRecord() else {
      return try rejectMalformed(
        missing: nil, id: nil, recordOffset: scanner.position, isAnnotation: true)
    }
    var id: RecordID?
    var imageID: RecordID?
    var categoryID: RecordID?
    var box: (Double, Double, Double, Double)?
    var area: Double?
    var isCrowd = false
    var segmentation: String?
    var flags = (difficult: false, truncated: false, occluded: false)
    var pose: String?
    var omitted: AnnotationRecord.OmittedKeys = [.area, .isCrowd]
    var first = true
    while let key = try scanner.nextKey(first: &first) {
      field = key
      switch key.count {
      case 2 where scanner.bytes(key, equal: "id"): id = try readIDKeeping(key)
      case 4 where scanner.bytes(key, equal: "bbox"): box = try readBox()
      case 4 where scanner.bytes(key, equal: "area"):
        omitted.remove(.area)
        area = try readDouble(nullable: true)
        if area == nil { keepMember(key) }
      case 7 where scanner.bytes(key, equal: "iscrowd"):
        omitted.remove(.isCrowd)
        let start = try valueStart()
        isCrowd = try readFlag() ?? false
        if !isPlainFlag(from: start) { keepMember(key) }
      case 8 where scanner.bytes(key, equal: "image_id"): imageID = try readIDKeeping(key)
      case 11 where scanner.bytes(key, equal: "category_id"): categoryID = try readIDKeeping(key)
      case 12 where scanner.bytes(key, equal: "segmentation"): segmentation = try readRaw()
      // The VOC keys are written back verbatim (a `0` or a `null` included).
      case 9 where scanner.bytes(key, equal: "difficult"):
        flags.difficult = try readFlag() ?? false
        keepMember(key)
      case 9 where scanner.bytes(key, equal: "truncated"):
        flags.truncated = try readFlag() ?? false
        keepMember(key)
      case 8 where scanner.bytes(key, equal: "occluded"):
        flags.occluded = try readFlag() ?? false
        keepMember(key)
      case 4 where scanner.bytes(key, equal: "pose"):
        pose = try readString(nullable: true)
        keepMember(key)
      default: try skipKeeping(key)
      }
    }
    field = nil
    let missing =
      id == nil
      ? "id"
      : imageID == nil ? "image_id" : categoryID == nil ? "category_id" : box == nil ? "bbox" : nil
    guard problem == nil, missing == nil, let id, let imageID, let categoryID, let box else {
      return try rejectMalformed(
        missing: missing, id: id, recordOffset: recordOffset, isAnnotation: true)
    }
    let record = AnnotationRecord(
      id: id, imageID: imageID, categoryID: categoryID, x: box.0, y: box.1, width: box.2,
      height: box.3, area: area, isCrowd: isCrowd, isDifficult: flags.difficult,
      isTruncated: flags.truncated, isOccluded: flags.occluded, pose: pose,
      segmentation: segmentation, extra: takeKept(), omitted: omitted)
    try emit(.annotation(record, place(recordOffset)))
  }
}
