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
  /// can be large). Streams.
  ///
  /// The dataset's first and last row ids come from the (dataset, image) index; the table is
  /// then read over that row id range in row id order (no sort, no index lookup per row),
  /// skipping rows of other datasets inside it.
  /// - Throws: `.notFound` when there is no such dataset; `.sqlite`.
  /// - Complexity: O(annotations of the dataset + rows of other datasets inside its row id
  ///   range).
  public func forEachGroundTruthBox(
    in name: String, _ body: (EvalGroundTruthRow) throws -> Void
  ) throws {
    let id = try requireDataset(named: name)
    let range = try database.statement(
      "SELECT min(id), max(id) FROM annotations WHERE dataset_id = ?")
    range.bind(id, at: 1)
    guard try range.step(), !range.isNull(0) else {
      range.reset()
      return
    }
    let first = range.int64(0)
    let last = range.int64(1)
    range.reset()
    let s = try Statement(
      database: database,
      sql: """
        SELECT original_id IS 0, image_id, category_id, x, y, w, h, area, iscrowd
        FROM annotations WHERE id BETWEEN ? AND ? AND +dataset_id = ? ORDER BY id
        """)
    s.bind(first, at: 1)
    s.bind(last, at: 2)
    s.bind(id, at: 3)
    while try s.step() {
      try body(
        EvalGroundTruthRow(
          imageID: s.recordID(1), categoryID: s.recordID(2), hasZeroID: s.bool(0),
          x: s.double(3), y: s.double(4), width: s.double(5), height: s.double(6),
          area: s.double(7), isCrowd: s.bool(8)))
    }
  }

  /// Calls `body` with each detection of set `set` of dataset `name` in import order (the
  /// order of the results file), reading only the columns evaluation needs.
  ///
  /// An import writes a set's detections in one transaction, so their row ids form one
  /// run: the first and last are found by walking the table from either end (immediate when
  /// the store holds one dataset's detections), then the table is read over that row id
  /// range, sequentially, instead of visiting the (dataset, image) index and the table once
  /// per row. Rows of other datasets or sets inside the range are skipped.
  /// `part` of `parts` reads only that share of the row id range (contiguous, in order: part
  /// 0 first), so that several connections can read one dataset at once; the parts' rows, put
  /// one after another, are the whole read.
  /// - Parameters:
  ///   - part: which share to read, `0 ..< parts`.
  ///   - parts: how many shares the range is cut into (>= 1).
  ///   - count: called once, before any row, with the size of the part's row id range (the
  ///     number of its detections when no other dataset's lie inside it), to reserve storage.
  /// - Throws: `.notFound` when there is no such dataset; `.sqlite`.
  /// - Complexity: O(rows in the dataset's row id range + rows of other datasets stored
  ///   before its first or after its last detection).
  public func forEachDetectionBox(
    in name: String, set: String = "default", part: Int = 0, of parts: Int = 1,
    count: (Int) -> Void = { _ in },
    _ body: (EvalDetectionRow) throws -> Void
  ) throws {
    precondition(parts >= 1 && part >= 0 && part < parts, "part \(part) of \(parts)")
    let id = try requireDataset(named: name)
    // `+dataset_id` keeps SQLite off the index: it walks the table in row id order and stops
    // at the first row of the dataset.
    func end(_ order: String) throws -> Int64? {
      let s = try Statement(
        database: database,
        sql: """
          SELECT id FROM detections WHERE +dataset_id = ? AND set_name = ?
          ORDER BY id \(order) LIMIT 1
          """)
      s.bind(id, at: 1)
      s.bind(set, at: 2)
      return try s.step() ? s.int64(0) : nil
    }
    guard let first = try end("ASC"), let last = try end("DESC") else {
      count(0)
      return
    }
    let span = last - first + 1
    let low = first + span * Int64(part) / Int64(parts)
    let high = first + span * Int64(part + 1) / Int64(parts) - 1
    count(Int(max(0, high - low + 1)))
    if high < low { return }
    let s = try Statement(
      database: database,
      sql: """
        SELECT image_id, category_id, x, y, w, h, score FROM detections
        WHERE id BETWEEN ? AND ? AND +dataset_id = ? AND set_name = ? ORDER BY id
        """)
    s.bind(low, at: 1)
    s.bind(high, at: 2)
    s.bind(id, at: 3)
    s.bind(set, at: 4)
    while try s.step() {
      try body(
        EvalDetectionRow(
          imageID: s.recordID(0), categoryID: s.recordID(1), x: s.double(2), y: s.double(3),
          width: s.double(4), height: s.double(5), score: s.double(6)))
    }
  }

  /// The file this store reads and writes, as given when it was opened (another connection,
  /// for example on another thread, can open it again).
  public var path: String { database.path }
}
