extension AnnotationStore {
  /// How many detections dataset `name` holds.
  /// - Throws: `.notFound` when there is no such dataset; `.sqlite`.
  /// - Complexity: O(detections of the dataset) in the (dataset, image) index.
  public func detectionCount(in name: String) throws -> Int {
    let id = try requireDataset(named: name)
    let s = try Statement(
      database: database, sql: "SELECT COUNT(*) FROM detections WHERE dataset_id = ?")
    s.bind(id, at: 1)
    return try s.step() ? s.int(0) : 0
  }

  /// Calls `body` with each detection of dataset `name` (its `segmentation` left `nil`),
  /// image by image, in import order within an image. Streams.
  ///
  /// Evaluation needs no other order (COCO evaluation groups detections by image and keeps
  /// file order inside a group), and this one comes straight from the (dataset, image) index,
  /// where ``forEachDetection(in:_:)``'s import order makes SQLite sort every detection first.
  /// - Throws: `.notFound` when there is no such dataset; `.sqlite`.
  /// - Complexity: O(detections of the dataset).
  public func forEachDetectionByImage(
    in name: String, _ body: (DetectionRecord) throws -> Void
  ) throws {
    let id = try requireDataset(named: name)
    let s = try Statement(
      database: database,
      sql: """
        SELECT image_id, category_id, x, y, w, h, score FROM detections
        WHERE dataset_id = ? ORDER BY image_id, id
        """)
    s.bind(id, at: 1)
    while try s.step() {
      try body(
        DetectionRecord(
          imageID: s.recordID(0), categoryID: s.recordID(1), x: s.double(2), y: s.double(3),
          width: s.double(4), height: s.double(5), score: s.double(6)))
    }
  }
}
