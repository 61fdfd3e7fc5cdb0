import DetSupport

/// The shared machinery of the COCO importers: a `JSONScanner` over a mapped file, where
/// in the document the reader is (for error paths), the typed field readers, and `emit`,
/// which receives each parsed record (`COCOPipeline` batches them to the writer's thread).
///
/// A field of the wrong type does not stop the import by itself: the reader skips the value,
/// remembers the first problem of the record, and emits it as `.invalid(.malformed, ...)`,
/// which `DatasetWriter.skip` turns into an error under `.strict` and a count under `.skip`.
/// Syntax errors (not JSON) always throw: nothing after them can be trusted.
struct COCOStream {
  let file: MappedFile
  var scanner: JSONScanner
  let emit: (COCOItem) throws -> Void
  let progress: (@Sendable (Double) -> Void)?

  /// The array being read: `images`, `annotations`, `categories`, `""` for a top-level
  /// array (results), `nil` outside arrays of records.
  var section: String?
  /// The element index within `section`.
  var index = 0
  /// The key being read inside the element, as a byte range of the input.
  var field: Range<Int>?
  /// The element index inside the field (e.g. which `bbox` number).
  var element: Int?
  /// The first problem of the current record: message, byte offset and JSON path.
  var problem: (message: String, offset: Int, path: String)?
  /// The members of the current record (or of the top-level object) kept verbatim:
  /// `"key": value` texts exactly as in the file, comma-separated.
  var kept: [UInt8] = []
  private var nextProgress = 0
  private var nextRelease = 0

  init(
    file: MappedFile, progress: (@Sendable (Double) -> Void)?,
    emit: @escaping (COCOItem) throws -> Void
  ) {
    self.file = file
    self.scanner = JSONScanner(base: file.base, count: file.count)
    self.emit = emit
    self.progress = progress
  }

  /// Where the current record starts, for the writer's error messages.
  func place(_ offset: Int) -> COCOPlace {
    COCOPlace(section: section ?? "", index: index, offset: offset)
  }

  // MARK: Locations

  /// `annotations[12].bbox[2]` for the current state.
  var path: String {
    var text = section.map { "\($0)[\(index)]" } ?? ""
    if let field {
      text += (text.isEmpty ? "" : ".") + scanner.string(field)
      if let element { text += "[\(element)]" }
    }
    return text
  }

  func location(at offset: Int, path: String) -> SourceLocation {
    let (line, column) = scanner.lineAndColumn(of: offset)
    return SourceLocation(file: file.path, line: line, column: column, path: path)
  }

  /// A syntax error as the store error the user sees.
  func malformed(_ error: JSONError) -> StoreError {
    StoreError(.malformedInput, error.message, location: location(at: error.offset, path: path))
  }

  /// Runs `body`, turning scanner errors into `StoreError`s that carry file, line:column
  /// and the JSON path.
  mutating func reportingLocation<T>(_ body: (inout COCOStream) throws -> T) throws -> T {
    do {
      return try body(&self)
    } catch let error as JSONError {
      throw malformed(error)
    }
  }

  /// Between records: reports progress each MiB and drops parsed pages every 16 MiB.
  mutating func recordDone() {
    let position = scanner.position
    if position >= nextProgress {
      progress?(Double(position) / Double(max(file.count, 1)))
      nextProgress = position + (1 << 20)
    }
    if position >= nextRelease {
      file.release(before: position)
      nextRelease = position + (16 << 20)
    }
  }

  // MARK: Field readers

  /// Notes a type problem for the current record and skips the offending value.
  mutating func typeProblem(_ expected: String, at offset: Int) throws {
    let found = describeValue(at: offset)
    scanner.position = offset
    try scanner.skipValue()
    if problem == nil { problem = ("expected \(expected), found \(found)", offset, path) }
  }

  private func describeValue(at offset: Int) -> String {
    guard offset < scanner.count else { return "end of file" }
    switch scanner.base[offset] {
    case UInt8(ascii: "{"): return "an object"
    case UInt8(ascii: "["): return "an array"
    case UInt8(ascii: "\""): return "a string"
    case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
    case UInt8(ascii: "n"): return "null"
    default: return "a number"
    }
  }

  /// An id: a number or a string, canonicalised as `RecordID` documents.
  mutating func readID() throws -> RecordID? {
    let start = try valueStart()
    switch scanner.base[start] {
    case UInt8(ascii: "\""):
      let range = try scanner.stringRange()
      let raw = UnsafeBufferPointer(start: scanner.base + range.lowerBound, count: range.count)
      if let value = RecordID.canonicalInteger(raw) { return .int(value) }
      return .text(scanner.string(range))
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      let number = try scanner.number()
      if let integer = number.integer { return .int(integer) }
      if number.value.rounded() == number.value, abs(number.value) < 9.2e18 {
        return .int(Int64(number.value))
      }
      let raw = UnsafeBufferPointer(
        start: scanner.base + number.start, count: number.end - number.start)
      return .text(String(decoding: raw, as: UTF8.self))
    default:
      try typeProblem("a number or string id", at: start)
      return nil
    }
  }

  /// A number; `null` gives `nil` without a problem when `nullable`.
  mutating func readDouble(nullable: Bool = false) throws -> Double? {
    let start = try valueStart()
    let byte = scanner.base[start]
    if byte == UInt8(ascii: "-") || byte &- 0x30 < 10 { return try scanner.number().value }
    if nullable, byte == UInt8(ascii: "n") {
      _ = try scanner.literal()
      return nil
    }
    try typeProblem("a number", at: start)
    return nil
  }

  /// A positive-or-not integer given as a JSON number with an integral value (`640` or `640.0`).
  mutating func readInt() throws -> Int? {
    let start = try valueStart()
    let byte = scanner.base[start]
    guard byte == UInt8(ascii: "-") || byte &- 0x30 < 10 else {
      try typeProblem("an integer", at: start)
      return nil
    }
    let number = try scanner.number()
    if let integer = number.integer, let value = Int(exactly: integer) { return value }
    if let value = Int(exactly: number.value) { return value }
    if problem == nil { problem = ("expected an integer, found \(number.value)", start, path) }
    return nil
  }

  /// A string; `null` gives `nil` without a problem when `nullable`.
  mutating func readString(nullable: Bool = false) throws -> String? {
    let start = try valueStart()
    let byte = scanner.base[start]
    if byte == UInt8(ascii: "\"") { return scanner.string(try scanner.stringRange()) }
    if nullable, byte == UInt8(ascii: "n") {
      _ = try scanner.literal()
      return nil
    }
    try typeProblem("a string", at: start)
    return nil
  }

  /// `0`/`1` (any non-zero number is true) or `true`/`false`.
  mutating func readFlag() throws -> Bool? {
    let start = try valueStart()
    let byte = scanner.base[start]
    if byte == UInt8(ascii: "t") || byte == UInt8(ascii: "f") {
      return try scanner.literal() == UInt8(ascii: "t")
    }
    if byte == UInt8(ascii: "-") || byte &- 0x30 < 10 { return try scanner.number().value != 0 }
    try typeProblem("0, 1, true or false", at: start)
    return nil
  }

  /// `[x, y, width, height]`: exactly four numbers.
  mutating func readBox() throws -> (Double, Double, Double, Double)? {
    let start = try valueStart()
    guard scanner.base[start] == UInt8(ascii: "[") else {
      try typeProblem("an array [x, y, width, height]", at: start)
      return nil
    }
    scanner.position += 1
    var values: (Double, Double, Double, Double) = (0, 0, 0, 0)
    var n = 0
    var first = true
    var ok = true
    defer { element = nil }
    while try scanner.nextElement(first: &first) {
      element = n
      let valueOffset = try valueStart()
      let byte = scanner.base[valueOffset]
      if byte == UInt8(ascii: "-") || byte &- 0x30 < 10 {
        let value = try scanner.number().value
        switch n {
        case 0: values.0 = value
        case 1: values.1 = value
        case 2: values.2 = value
        case 3: values.3 = value
        default: break
        }
      } else {
        try typeProblem("a number", at: valueOffset)
        ok = false
      }
      n += 1
    }
    element = nil
    guard ok else { return nil }
    guard n == 4 else {
      if problem == nil {
        problem = ("expected 4 numbers [x, y, width, height], found \(n)", start, path)
      }
      return nil
    }
    return values
  }

  /// The raw JSON text of the next value, exactly as in the file.
  mutating func readRaw() throws -> String {
    let range = try scanner.skipValue()
    return String(
      decoding: UnsafeBufferPointer(start: scanner.base + range.lowerBound, count: range.count),
      as: UTF8.self)
  }

  // MARK: Members kept verbatim

  /// Keeps the member whose key is `key`, from its opening quote to the current position
  /// (the end of its value).
  mutating func keepMember(_ key: Range<Int>) {
    if !kept.isEmpty { kept.append(UInt8(ascii: ",")) }
    let start = key.lowerBound - 1
    kept.append(
      contentsOf: UnsafeBufferPointer(start: scanner.base + start, count: scanner.position - start))
  }

  /// Skips (validating) the value of an unknown member and keeps the member verbatim.
  mutating func skipKeeping(_ key: Range<Int>) throws {
    try scanner.skipValue()
    keepMember(key)
  }

  /// The kept members as the text of a JSON object, or `nil` when none; clears them.
  mutating func takeKept() -> String? {
    guard !kept.isEmpty else { return nil }
    let text = "{" + String(decoding: kept, as: UTF8.self) + "}"
    kept.removeAll(keepingCapacity: true)
    return text
  }

  /// Reads an id, keeping the member verbatim when an export would write it as another
  /// JSON type: a string that is a canonical integer (`"2299"`), or a number that is not
  /// an `Int64` (`1.5`).
  mutating func readIDKeeping(_ key: Range<Int>) throws -> RecordID? {
    let isString = scanner.base[try valueStart()] == UInt8(ascii: "\"")
    let id = try readID()
    switch id {
    case .int?: if isString { keepMember(key) }
    case .text?: if !isString { keepMember(key) }
    case nil: break
    }
    return id
  }

  /// Whether the value just read (from `start` to the current position) is exactly the
  /// text `0` or `1`, which an export writes back as it is.
  func isPlainFlag(from start: Int) -> Bool {
    scanner.position - start == 1
      && (scanner.base[start] == UInt8(ascii: "0") || scanner.base[start] == UInt8(ascii: "1"))
  }

  /// The offset where the next value starts (whitespace skipped).
  mutating func valueStart() throws -> Int {
    _ = try scanner.peek()
    return scanner.position
  }
}
