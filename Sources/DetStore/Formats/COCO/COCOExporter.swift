import DetSupport

/// Writes a dataset as a COCO instances JSON file.
///
/// Round trip: every image, category and annotation comes back with its original id
/// (`RecordID.int` as a number, `.text` as a string), box, area, iscrowd and the
/// segmentation text exactly as imported. VOC fields travel as extra annotation keys
/// (`difficult`, `truncated`, `occluded` when 1, `pose` when set), which `COCOImporter`
/// reads back; an annotation's `extra` object is merged in. Layout: one record per line,
/// keys `info, images, annotations, categories`.
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
    var report = ExportReport(dataset: name)
    try writeFile(path) { out in
      try write(info, dataset: name, from: store, to: out, report: &report, progress: progress)
    }
    report.files = 1
    progress?(1)
    return report
  }

  private func write(
    _ info: DatasetInfo, dataset name: String, from store: AnnotationStore, to out: OutputFile,
    report: inout ExportReport, progress: ProgressHandler?
  ) throws {
    let total = Double(max(info.images + info.annotations, 1))
    try out.write(
      "{\"info\": {\"description\": \(JSONText.string("exported by detkit from dataset " + name)), \"format\": \(JSONText.string(info.format))},\n\"images\": ["
    )
    var first = true
    try store.forEachImage(in: name) { image in
      try out.write(first ? "\n" : ",\n")
      first = false
      report.images += 1
      if report.images % 4096 == 0 { progress?(Double(report.images) / total) }
      try out.write(
        "{\"id\": \(JSONText.id(image.id)), \"file_name\": \(JSONText.string(image.fileName)), \"width\": \(image.width), \"height\": \(image.height)}"
      )
    }
    try out.write("],\n\"annotations\": [")
    first = true
    try store.forEachAnnotation(in: name) { a in
      try out.write(first ? "\n" : ",\n")
      first = false
      report.annotations += 1
      if report.annotations % 4096 == 0 {
        progress?(Double(report.images + report.annotations) / total)
      }
      var text =
        "{\"id\": \(JSONText.id(a.id)), \"image_id\": \(JSONText.id(a.imageID)), \"category_id\": \(JSONText.id(a.categoryID)), \"bbox\": [\(JSONText.number(a.x)), \(JSONText.number(a.y)), \(JSONText.number(a.width)), \(JSONText.number(a.height))], \"area\": \(JSONText.number(a.area ?? a.width * a.height)), \"iscrowd\": \(a.isCrowd ? 1 : 0)"
      if let segmentation = a.segmentation { text += ", \"segmentation\": " + segmentation }
      if a.isDifficult { text += ", \"difficult\": 1" }
      if a.isTruncated { text += ", \"truncated\": 1" }
      if a.isOccluded { text += ", \"occluded\": 1" }
      if let pose = a.pose { text += ", \"pose\": " + JSONText.string(pose) }
      if let members = COCOExporter.members(ofObject: a.extra) { text += ", " + members }
      try out.write(text + "}")
    }
    try out.write("],\n\"categories\": [")
    first = true
    try store.forEachCategory(in: name) { c in
      try out.write(first ? "\n" : ",\n")
      first = false
      report.categories += 1
      var text = "{\"id\": \(JSONText.id(c.id)), \"name\": \(JSONText.string(c.name))"
      if let supercategory = c.supercategory {
        text += ", \"supercategory\": \(JSONText.string(supercategory))"
      }
      try out.write(text + "}")
    }
    try out.write("]}\n")
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
}

extension String {
  fileprivate var trimmingWhitespace: String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
    return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
  }
}
