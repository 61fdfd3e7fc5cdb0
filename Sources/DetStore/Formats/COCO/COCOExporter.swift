import DetSupport

/// Writes a dataset as a COCO instances JSON file.
///
/// Round trip: a dataset `COCOImporter` made comes back as a document equal, as JSON
/// values, to the source (key order and `1` vs `1.0` aside): the top-level members and the
/// record arrays in the source's order, every record with its original id (`RecordID.int`
/// as a number, `.text` as a string, or verbatim as the source wrote it), box, area,
/// iscrowd, the segmentation text, and every member the importer kept verbatim in `extra`
/// (a member there replaces the exporter's own for its key); `area` and `iscrowd` are left
/// out where the source had none. Datasets from other formats (and from stores made before
/// detkit kept the source document) get `info, images, annotations, categories`, VOC
/// fields as extra annotation keys (`difficult`, `truncated`, `occluded` when 1, `pose`
/// when set), which `COCOImporter` reads back. Layout: one record per line.
public struct COCOExporter: DatasetExporter {
  /// Output file path; `-` is standard output.
  public var path: String

  public init(path: String) { self.path = path }

  /// Exports dataset `name` of `store`.
  /// - Parameter progress: called now and then with the fraction of images and annotations
  ///   written, in [0, 1].
  /// - Returns: the records written and `files` 1.
  /// - Throws: `.notFound`, `.io`, `.sqlite`.
  /// - Complexity: O(records), streaming: one record in memory at a time.
  @discardableResult
  public func export(
    from store: AnnotationStore, dataset name: String, progress: ProgressHandler? = nil
  ) throws -> ExportReport {
    let info = try store.dataset(named: name)
    var writer = SectionWriter(
      store: store, name: name, total: Double(max(info.images + info.annotations, 1)),
      progress: progress)
    let document = try store.sourceDocument(of: name)
    try writeFile(path) { out in
      if let document {
        try writeInSourceLayout(document, with: &writer, to: out)
      } else {
        try out.write(
          "{\"info\": {\"description\": \(JSONText.string("exported by detkit from dataset " + name)), \"format\": \(JSONText.string(info.format))},\n\"images\": ["
        )
        try writer.images(to: out)
        try out.write(",\n\"annotations\": [")
        try writer.annotations(to: out)
        try out.write(",\n\"categories\": [")
        try writer.categories(to: out, inSourceOrder: false)
        try out.write("}\n")
      }
    }
    writer.report.files = 1
    progress?(1)
    return writer.report
  }

  /// Writes the source document's top-level members in its order: the record arrays from
  /// the store (each once, where the source first had it), every other member verbatim.
  private func writeInSourceLayout(
    _ source: String, with writer: inout SectionWriter, to out: OutputFile
  ) throws {
    var document = source
    try document.withUTF8 { bytes in
      var scanner = JSONScanner(base: bytes.baseAddress!, count: bytes.count)
      try scanner.expect(UInt8(ascii: "{"))
      var first = true
      var separator = ""
      var sectionsWritten: Set<String> = []
      try out.write("{")
      while let key = try scanner.nextKey(first: &first) {
        let keyText = String(
          decoding: UnsafeBufferPointer(
            start: scanner.base + key.lowerBound - 1, count: key.count + 2),
          as: UTF8.self)
        let value = try scanner.skipValue()
        let isSection =
          scanner.bytes(key, equal: "images") || scanner.bytes(key, equal: "annotations")
          || scanner.bytes(key, equal: "categories")
        // Each record array is written once, where the source first had it.
        if isSection, !sectionsWritten.insert(scanner.string(key)).inserted { continue }
        try out.write(separator)
        separator = ",\n"
        if scanner.bytes(key, equal: "images") {
          try out.write(keyText + ": [")
          try writer.images(to: out)
        } else if scanner.bytes(key, equal: "annotations") {
          try out.write(keyText + ": [")
          try writer.annotations(to: out)
        } else if scanner.bytes(key, equal: "categories") {
          try out.write(keyText + ": [")
          try writer.categories(to: out, inSourceOrder: true)
        } else {
          try out.write(
            keyText + ": "
              + String(
                decoding: UnsafeBufferPointer(
                  start: scanner.base + value.lowerBound, count: value.count), as: UTF8.self))
        }
      }
    }
    try out.write("}\n")
  }

  /// The members of a JSON object's text (`{"a":1}` → `"a":1`), or `nil` when `text` is
  /// `nil`, empty `{}`, or not an object.
  static func members(ofObject text: String?) -> String? {
    guard let text else { return nil }
    let trimmed = text.trimmingWhitespace
    guard trimmed.hasPrefix("{"), trimmed.hasSuffix("}") else { return nil }
    let inner = String(trimmed.dropFirst().dropLast()).trimmingWhitespace
    return inner.isEmpty ? nil : inner
  }

  /// `{known members}` with those `extra` replaces left out, then `extra`'s members.
  static func object(_ members: [(key: String, text: String)], extra: String?) -> String {
    let replaced = COCOExporter.keys(ofObject: extra)
    var text = "{"
    for member in members where !replaced.contains(member.key) {
      if text.count > 1 { text += ", " }
      text += "\"\(member.key)\": " + member.text
    }
    if let more = COCOExporter.members(ofObject: extra) {
      if text.count > 1 { text += ", " }
      text += more
    }
    return text + "}"
  }

  /// The keys of a JSON object's text (undecoded, as written between the quotes); empty
  /// when `text` is `nil` or not an object.
  static func keys(ofObject text: String?) -> Set<String> {
    guard var text else { return [] }
    return text.withUTF8 { bytes -> Set<String> in
      guard let base = bytes.baseAddress else { return [] }
      var scanner = JSONScanner(base: base, count: bytes.count)
      var keys: Set<String> = []
      do {
        try scanner.expect(UInt8(ascii: "{"))
        var first = true
        while let key = try scanner.nextKey(first: &first) {
          keys.insert(
            String(
              decoding: UnsafeBufferPointer(start: base + key.lowerBound, count: key.count),
              as: UTF8.self))
          try scanner.skipValue()
        }
      } catch {
        return keys
      }
      return keys
    }
  }
}

/// Writes the three record arrays (each closed with `]`), counting them.
private struct SectionWriter {
  let store: AnnotationStore
  let name: String
  let total: Double
  let progress: ProgressHandler?
  var report: ExportReport

  init(store: AnnotationStore, name: String, total: Double, progress: ProgressHandler?) {
    self.store = store
    self.name = name
    self.total = total
    self.progress = progress
    self.report = ExportReport(dataset: name)
  }

  mutating func images(to out: OutputFile) throws {
    var first = true
    var report = self.report
    let progress = self.progress
    let total = self.total
    try store.forEachImage(in: name) { image in
      try out.write(first ? "\n" : ",\n")
      first = false
      report.images += 1
      if report.images % 4096 == 0 { progress?(Double(report.images) / total) }
      try out.write(
        COCOExporter.object(
          [
            ("id", JSONText.id(image.id)), ("file_name", JSONText.string(image.fileName)),
            ("width", String(image.width)), ("height", String(image.height)),
          ], extra: image.extra))
    }
    try out.write("]")
    self.report = report
  }

  mutating func annotations(to out: OutputFile) throws {
    var first = true
    var report = self.report
    let progress = self.progress
    let total = self.total
    try store.forEachAnnotation(in: name) { a in
      try out.write(first ? "\n" : ",\n")
      first = false
      report.annotations += 1
      if report.annotations % 4096 == 0 {
        progress?(Double(report.images + report.annotations) / total)
      }
      var members: [(key: String, text: String)] = [
        ("id", JSONText.id(a.id)), ("image_id", JSONText.id(a.imageID)),
        ("category_id", JSONText.id(a.categoryID)),
        (
          "bbox",
          "[\(JSONText.number(a.x)), \(JSONText.number(a.y)), \(JSONText.number(a.width)), \(JSONText.number(a.height))]"
        ),
      ]
      if !a.omitted.contains(.area) {
        members.append(("area", JSONText.number(a.area ?? a.width * a.height)))
      }
      if !a.omitted.contains(.isCrowd) { members.append(("iscrowd", a.isCrowd ? "1" : "0")) }
      if let segmentation = a.segmentation { members.append(("segmentation", segmentation)) }
      if a.isDifficult { members.append(("difficult", "1")) }
      if a.isTruncated { members.append(("truncated", "1")) }
      if a.isOccluded { members.append(("occluded", "1")) }
      if let pose = a.pose { members.append(("pose", JSONText.string(pose))) }
      try out.write(COCOExporter.object(members, extra: a.extra))
    }
    try out.write("]")
    self.report = report
  }

  mutating func categories(to out: OutputFile, inSourceOrder: Bool) throws {
    var first = true
    var report = self.report
    try store.forEachCategory(in: name, inSourceOrder: inSourceOrder) { c in
      try out.write(first ? "\n" : ",\n")
      first = false
      report.categories += 1
      var members: [(key: String, text: String)] = [
        ("id", JSONText.id(c.id)), ("name", JSONText.string(c.name)),
      ]
      if let supercategory = c.supercategory {
        members.append(("supercategory", JSONText.string(supercategory)))
      }
      try out.write(COCOExporter.object(members, extra: c.extra))
    }
    try out.write("]")
    self.report = report
  }
}

extension String {
  fileprivate var trimmingWhitespace: String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
    return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
  }
}
