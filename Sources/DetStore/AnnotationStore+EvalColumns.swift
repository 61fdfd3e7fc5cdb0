import CSQLite

/// One ground-truth box with just what COCO evaluation reads.
public struct EvalGroundTruthRow: Sendable {
  public var imageID: RecordID
  public var categoryID: RecordID
  /// The original annotation id is the integer 0 (pycocotools reads a match to it as none).
  public var hasZeroID: Bool
  public var x: Double
  public var y: Double
  public var width: Double
  public var height: Double
  public var area: Double
  public var isCrowd: Bool
}

/// One detection with just what COCO evaluation reads.
public struct EvalDetectionRow: Sendable {
  public var imageID: RecordID
  public var categoryID: RecordID
  public var x: Double
  public var y: Double
  public var width: Double
  public var height: Double
  public var score: Double
}

extension AnnotationStore {
  /// Calls `body` with each annotation of dataset `name` in import order, reading only the
  /// columns evaluation needs (no segmentation, pose or extra text, which for crowd regions
  /// can be large). Streams; one prepared statement.
  /// - Throws: `.notFound` when there is no such dataset; `.sqlite`.
  /// - Complexity: O(annotations of the dataset).
  public func forEachGroundTruthBox(
    in name: String, _ body: (EvalGroundTruthRow) throws -> Void
  ) throws {
    let id = try requireDataset(named: name)
    let s = try Statement(
      database: database,
      sql: """
        SELECT original_id IS 0, image_id, category_id, x, y, w, h, area, iscrowd
        FROM annotations WHERE dataset_id = ? ORDER BY id
        """)
    s.bind(id, at: 1)
    while try s.step() {
      try body(
        EvalGroundTruthRow(
          imageID: s.recordID(1), categoryID: s.recordID(2), hasZeroID: s.bool(0),
          x: s.double(3), y: s.double(4), width: s.double(5), height: s.double(6),
          area: s.double(7), isCrowd: s.bool(8)))
    }
  }

  /// Calls `body` with each detection of dataset `name` in import order (the order of the
  /// results file), reading only the columns evaluation needs.
  ///
  /// An import writes a dataset's detections in one transaction, so their row ids form one
  /// run: the first and last are found by walking the table from either end (immediate when
  /// the store holds one dataset's detections), then the table is read over that row id
  /// range, sequentially, instead of visiting the (dataset, image) index and the table once
  /// per row. Rows of other datasets inside the range are skipped.
  /// - Parameters:
  ///   - count: called once, before any row, with the size of the row id range (the number of
  ///     the dataset's detections when nothing else lies inside it), to reserve storage.
  /// - Throws: `.notFound` when there is no such dataset; `.sqlite`.
  /// - Complexity: O(rows in the dataset's row id range + rows of other datasets stored
  ///   before its first or after its last detection).
  public func forEachDetectionBox(
    in name: String, count: (Int) -> Void = { _ in }, _ body: (EvalDetectionRow) throws -> Void
  ) throws {
    let id = try requireDataset(named: name)
    // `+dataset_id` keeps SQLite off the index: it walks the table in row id order and stops
    // at the first row of the dataset.
    func end(_ order: String) throws -> Int64? {
      let s = try Statement(
        database: database,
        sql: "SELECT id FROM detections WHERE +dataset_id = ? ORDER BY id \(order) LIMIT 1")
      s.bind(id, at: 1)
      return try s.step() ? s.int64(0) : nil
    }
    guard let low = try end("ASC"), let high = try end("DESC") else {
      count(0)
      return
    }
    count(Int(high - low + 1))
    let s = try Statement(
      database: database,
      sql: """
        SELECT image_id, category_id, x, y, w, h, score, dataset_id FROM detections
        WHERE id BETWEEN ? AND ? ORDER BY id
        """)
    s.bind(low, at: 1)
    s.bind(high, at: 2)
    while try s.step() {
      guard s.int64(7) == id else { continue }
      try body(
        EvalDetectionRow(
          imageID: s.recordID(0), categoryID: s.recordID(1), x: s.double(2), y: s.double(3),
          width: s.double(4), height: s.double(5), score: s.double(6)))
    }
  }
}
