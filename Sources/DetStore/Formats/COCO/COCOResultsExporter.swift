import DetSupport

/// Writes one detection set of a dataset as a COCO results file: a JSON array of
/// `{image_id, category_id, bbox, score}` objects in import order, one per line, with the
/// `segmentation` and the members `COCOResultsImporter` kept verbatim (`id`, `area`, ids
/// written as strings, ...), so importing a results file and exporting it gives a file
/// equal to it as JSON values (key order and `1` vs `1.0` aside).
public struct COCOResultsExporter: Sendable {
  /// Output file path; `-` is standard output.
  public var path: String
  /// The detection set to write (`default` unless named at import).
  public var set: String

  public init(path: String, set: String = "default") {
    self.path = path
    self.set = set
  }

  /// Writes the detections of set ``set`` of dataset `name`.
  /// - Parameter progress: called with the detections written, in ``ProgressUnit/records``
  ///   (total: the set's detections), first with 0, then every 16384, last with the total.
  /// - Returns: the number of detections written.
  /// - Throws: `.notFound` for an unknown dataset or a set it does not have (naming the
  ///   sets it has); `.io`, `.sqlite`.
  /// - Complexity: O(detections of the set), streaming.
  @discardableResult
  public func export(
    from store: AnnotationStore, dataset name: String, progress: WorkProgressHandler? = nil
  ) throws -> Int {
    let sets = try store.detectionSets(of: name)
    guard let total = sets.first(where: { $0.name == set })?.detections else {
      let known =
        sets.isEmpty ? "it has none" : "it has " + sets.map(\.name).joined(separator: ", ")
      throw StoreError(
        .notFound, "dataset \"\(name)\" has no detection set \"\(set)\" (\(known))")
    }
    var count = 0
    progress?(WorkProgress(done: 0, total: total, unit: .records))
    try writeFile(path) { out in
      try out.write("[")
      try store.forEachDetection(in: name, set: set) { d in
        try out.write(count == 0 ? "\n" : ",\n")
        count += 1
        if count % 16_384 == 0 {
          progress?(WorkProgress(done: count, total: total, unit: .records))
        }
        var members: [(key: String, text: String)] = [
          ("image_id", JSONText.id(d.imageID)), ("category_id", JSONText.id(d.categoryID)),
          (
            "bbox",
            "[\(JSONText.number(d.x)), \(JSONText.number(d.y)), \(JSONText.number(d.width)), \(JSONText.number(d.height))]"
          ),
          ("score", JSONText.number(d.score)),
        ]
        if let segmentation = d.segmentation { members.append(("segmentation", segmentation)) }
        try out.write(COCOExporter.object(members, extra: d.extra))
      }
      try out.write("]\n")
    }
    progress?(WorkProgress(done: count, total: total, unit: .records))
    return count
  }
}
