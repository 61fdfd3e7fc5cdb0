extension AnnotationStore {
  /// How many detections set `set` of dataset `name` holds (0 for a set it does not have).
  /// - Throws: `.notFound` when there is no such dataset; `.sqlite`.
  /// - Complexity: O(detections of the set) in the (dataset, set, image) index.
  public func detectionCount(in name: String, set: String = "default") throws -> Int {
    let id = try requireDataset(named: name)
    let s = try Statement(
      database: database,
      sql: "SELECT COUNT(*) FROM detections WHERE dataset_id = ? AND set_name = ?")
    s.bind(id, at: 1)
    s.bind(set, at: 2)
    return try s.step() ? s.int(0) : 0
  }

  /// Calls `body` with each detection of set `set` of dataset `name` (its `segmentation`
  /// and `extra` left `nil`), image by image, in import order within an image. Streams. A
  /// set the dataset does not have has no detections.
  ///
  /// Evaluation needs no other order (COCO evaluation groups detections by image and keeps
  /// file order inside a group), and this one comes straight from the (dataset, set, image)
  /// index, where ``forEachDetection(in:set:_:)``'s import order makes SQLite sort every
  /// detection first.
  /// - Throws: `.notFound` when there is no such dataset; `.sqlite`.
  /// - Complexity: O(detections of the set), from the (dataset, set, image) index.
  public func forEachDetectionByImage(
    in name: String, set: String = "default", _ body: (DetectionRecord) throws -> Void
  ) throws {
    let id = try requireDataset(named: name)
    let s = try Statement(
      database: database,
      sql: """
        SELECT image_id, category_id, x, y, w, h, score FROM detections
        WHERE dataset_id = ? AND set_name = ? ORDER BY image_id, id
        """)
    s.bind(id, at: 1)
    s.bind(set, at: 2)
    while try s.step() {
      try body(
        DetectionRecord(
          imageID: s.recordID(0), categoryID: s.recordID(1), x: s.double(2), y: s.double(3),
          width: s.double(4), height: s.double(5), score: s.double(6)))
    }
  }
}

extension AnnotationStore {
  /// The detection set of dataset `name` a reader should use: `requested` when given and the
  /// dataset has it; otherwise the dataset's only set, or `default` when it has none.
  ///
  /// - Throws: `.notFound` for an unknown dataset, for a `requested` set the dataset does not
  ///   have, and when nothing was requested and the dataset has several sets (the message
  ///   lists them: `dataset "val" has 2 detection sets (a, b); choose one with --set`).
  /// - Complexity: O(detections of the dataset) (see ``detectionSets(of:)``).
  public func resolveDetectionSet(_ requested: String?, of name: String) throws -> String {
    let sets = try detectionSets(of: name).map(\.name)
    if let requested {
      guard sets.contains(requested) else {
        let known = sets.isEmpty ? "it has none" : "it has " + sets.joined(separator: ", ")
        throw StoreError(
          .notFound, "dataset \"\(name)\" has no detection set \"\(requested)\" (\(known))")
      }
      return requested
    }
    if sets.count > 1 {
      throw StoreError(
        .notFound,
        "dataset \"\(name)\" has \(sets.count) detection sets (\(sets.joined(separator: ", "))); choose one with --set"
      )
    }
    return sets.first ?? "default"
  }
}
