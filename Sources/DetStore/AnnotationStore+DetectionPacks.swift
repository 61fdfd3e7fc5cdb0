import CSQLite

/// A detection set's evaluation columns: entry `n` of every array is the set's `n`-th
/// detection in import order (the order of the results file), as the `detections` rows hold
/// it — integer image and category ids, `[x, y, width, height]` in pixels and the score.
public struct DetectionColumns: Equatable, Sendable {
  public var imageIDs: [Int64] = []
  public var categoryIDs: [Int64] = []
  public var x: [Double] = []
  public var y: [Double] = []
  public var width: [Double] = []
  public var height: [Double] = []
  public var score: [Double] = []

  /// No detections.
  public init() {}

  /// How many detections.
  public var count: Int { imageIDs.count }

  /// Appends one detection, its numbers as a `REAL` column gives them back: SQLite stores
  /// an integral `REAL` as an integer, so `-0.0` reads back as `0.0` (the only value that
  /// changes).
  mutating func append(
    imageID: Int64, categoryID: Int64, x: Double, y: Double, width: Double, height: Double,
    score: Double
  ) {
    @inline(__always) func stored(_ value: Double) -> Double { value == 0 ? 0 : value }
    imageIDs.append(imageID)
    categoryIDs.append(categoryID)
    self.x.append(stored(x))
    self.y.append(stored(y))
    self.width.append(stored(width))
    self.height.append(stored(height))
    self.score.append(stored(score))
  }
}

/// The packed copy of a detection set (table `detection_packs`, schema v6).
///
/// An import of a results file whose image and category ids are all integers writes, in the
/// transaction that writes the rows, the ``DetectionColumns`` as numbered chunks of up to
/// ``chunkSize`` detections, one BLOB each (so the import holds one chunk in memory, not a
/// copy of the set): seven sections of the chunk's `count` little-endian 8-byte values —
/// image ids and category ids (Int64), then x, y, width, height and score (Float64) — 56
/// bytes a detection. Evaluation reads them in seven copies per chunk instead of decoding
/// `count` rows.
///
/// It is never used when it could disagree with the rows: triggers on `detections` delete a
/// set's chunks when any row of the set is updated or deleted (replacing a set, deleting a
/// dataset, or any other writer); the import completes the pack after its last row, noting
/// the table's largest row id then (`last_row`, -1 until then), so that a row added to the
/// set later with a larger row id (detkit never adds to an existing set; an insert trigger
/// would make every import keep a statement journal, several times slower) makes the reader
/// ignore the pack. A set without a usable pack (text ids, stores written before v6) is read
/// from its rows.
enum DetectionPack {
  /// Bytes per detection: two Int64 ids and five Float64 numbers.
  static let bytesPerDetection = 56
  /// Detections per chunk (3.5 MiB).
  static let chunkSize = 1 << 16
}

extension DatasetWriter {
  /// Notes a stored detection for the set's pack (writing a full chunk); a text id ends the
  /// pack: the set then has none.
  func addToPack(
    imageID: RecordID, categoryID: RecordID, x: Double, y: Double, width: Double,
    height: Double, score: Double
  ) throws {
    guard packColumns != nil else { return }
    guard case .int(let image) = imageID, case .int(let category) = categoryID else {
      packColumns = nil
      let drop = try database.statement(
        "DELETE FROM detection_packs WHERE dataset_id = ? AND set_name = ?")
      drop.bind(datasetID, at: 1)
      drop.bind(detectionSet, at: 2)
      try drop.run()
      return
    }
    packColumns!.append(
      imageID: image, categoryID: category, x: x, y: y, width: width, height: height,
      score: score)
    if packColumns!.count == DetectionPack.chunkSize { try writePackChunk() }
  }

  /// Writes the detections noted since the last chunk as the next chunk.
  private func writePackChunk() throws {
    guard let columns = packColumns, columns.count > 0 else { return }
    let bytes = columns.count * DetectionPack.bytesPerDetection
    let insert = try database.statement(
      """
      INSERT INTO detection_packs (dataset_id, set_name, chunk, count, last_row, data)
      VALUES (?, ?, ?, ?, -1, zeroblob(?))
      """)
    insert.bind(datasetID, at: 1)
    insert.bind(detectionSet, at: 2)
    insert.bind(Int64(packChunks), at: 3)
    insert.bind(Int64(columns.count), at: 4)
    insert.bind(Int64(bytes), at: 5)
    try insert.run()
    let row = database.lastInsertRowID
    var blob: OpaquePointer?
    try database.check(
      sqlite3_blob_open(database.handle, "main", "detection_packs", "data", row, 1, &blob))
    defer { sqlite3_blob_close(blob) }
    let sectionBytes = columns.count * 8
    func write<T>(_ values: [T], section: Int, bits: (T) -> UInt64) throws {
      let code: Int32
      #if _endian(big)
        let little = values.map { bits($0).littleEndian }
        code = little.withUnsafeBytes {
          sqlite3_blob_write(
            blob, $0.baseAddress, Int32(sectionBytes), Int32(section * sectionBytes))
        }
      #else
        code = values.withUnsafeBytes {
          sqlite3_blob_write(
            blob, $0.baseAddress, Int32(sectionBytes), Int32(section * sectionBytes))
        }
      #endif
      try database.check(code, sql: "write detection pack")
    }
    try write(columns.imageIDs, section: 0) { UInt64(bitPattern: $0) }
    try write(columns.categoryIDs, section: 1) { UInt64(bitPattern: $0) }
    for (section, values) in [columns.x, columns.y, columns.width, columns.height, columns.score]
      .enumerated()
    {
      try write(values, section: 2 + section) { $0.bitPattern }
    }
    packChunks += 1
    packColumns = DetectionColumns()
  }

  /// Completes the set's pack: writes its last chunk and notes the table's largest row id in
  /// every chunk. Call after the last row, inside the import's transaction.
  func writeDetectionPack() throws {
    guard packColumns != nil else { return }
    try writePackChunk()
    let finish = try database.statement(
      """
      UPDATE detection_packs SET last_row = (SELECT max(id) FROM detections)
      WHERE dataset_id = ? AND set_name = ?
      """)
    finish.bind(datasetID, at: 1)
    finish.bind(detectionSet, at: 2)
    try finish.run()
  }
}

extension AnnotationStore {
  /// The packed copy of detection set `set` of dataset `name` (see ``DetectionPack``), or
  /// `nil` when the set has none (then read its rows with
  /// ``forEachDetectionBox(in:set:part:of:count:_:)``; they hold the same detections).
  ///
  /// - Throws: `.notFound` when there is no such dataset; `.sqlite`.
  /// - Complexity: O(detections of the set): seven sequential copies, no row decoding.
  public func packedDetections(in name: String, set: String = "default") throws
    -> DetectionColumns?
  {
    var whole = DetectionColumns()
    let found = try forEachPackedDetectionChunk(in: name, set: set, chunkSize: .max) { chunk in
      whole.imageIDs += chunk.imageIDs
      whole.categoryIDs += chunk.categoryIDs
      whole.x += chunk.x
      whole.y += chunk.y
      whole.width += chunk.width
      whole.height += chunk.height
      whole.score += chunk.score
    }
    return found ? whole : nil
  }

  /// Calls `body` with the packed copy of detection set `set` of dataset `name` in
  /// consecutive chunks of at most `chunkSize` detections, in order, so that a caller
  /// laying them out elsewhere holds one chunk at a time, not a second copy of the set.
  /// Returns `false`, calling nothing, when the set has no usable pack (see
  /// ``packedDetections(in:set:)``).
  ///
  /// Reads the pack's row and its BLOB in one read transaction (unless the caller is inside
  /// one), so a writer committing meanwhile cannot mix two versions.
  /// - Parameters:
  ///   - count: called once, before the first chunk, with the number of detections.
  /// - Throws: `.notFound` when there is no such dataset; `.sqlite`; what `body` throws.
  /// - Complexity: O(detections of the set): seven copies per chunk, no row decoding.
  public func forEachPackedDetectionChunk(
    in name: String, set: String = "default", chunkSize: Int = 1 << 15,
    count: (Int) -> Void = { _ in }, _ body: (DetectionColumns) throws -> Void
  ) throws -> Bool {
    precondition(chunkSize >= 1, "chunkSize \(chunkSize)")
    let id = try requireDataset(named: name)
    // A v5 file opened read-only has no packs.
    guard fileSchemaVersion >= Schema.packsVersion else { return false }
    let ownsTransaction = sqlite3_get_autocommit(database.handle) != 0
    if ownsTransaction { try database.execute("BEGIN") }
    defer { if ownsTransaction { try? database.execute("COMMIT") } }
    let s = try database.statement(
      """
      SELECT id, chunk, count, length(data), last_row FROM detection_packs
      WHERE dataset_id = ? AND set_name = ? ORDER BY chunk
      """)
    s.bind(id, at: 1)
    s.bind(set, at: 2)
    var chunks: [(row: Int64, count: Int)] = []
    var lastRows = Set<Int64>()
    var usable = true
    while try s.step() {
      // Chunks numbered 0, 1, ... in order, each as long as its count says.
      let count = s.int(2)
      if s.int(1) != chunks.count || count <= 0
        || s.int(3) != count * DetectionPack.bytesPerDetection
      {
        usable = false
      }
      chunks.append((s.int64(0), count))
      lastRows.insert(s.int64(4))
    }
    s.reset()
    // Complete (one `last_row`, noted) or not used (the rows are).
    guard usable, let lastRow = lastRows.first, lastRows.count == 1, lastRow >= 0 else {
      return false
    }
    // Nor is one whose set gained rows after it was written (rows above its `last_row`). When
    // nothing was imported after the pack, that is one seek; otherwise a walk over the set's
    // own index entries, never over the rows other sets added later.
    let newest = try database.scalarInt("SELECT max(id) FROM detections") ?? 0
    if newest > lastRow {
      let added = try database.scalarInt(
        "SELECT 1 FROM detections WHERE dataset_id = ? AND set_name = ? AND id > ? LIMIT 1",
        [.int(id), .text(set), .int(lastRow)])
      if added != nil { return false }
    }
    count(chunks.reduce(0) { $0 + $1.count })
    for (row, total) in chunks {
      var blob: OpaquePointer?
      try database.check(
        sqlite3_blob_open(database.handle, "main", "detection_packs", "data", row, 0, &blob))
      defer { sqlite3_blob_close(blob) }
      let sectionBytes = total * 8
      var first = 0
      while first < total {
        let n = min(chunkSize, total - first)
        func read<T>(_ section: Int, _: T.Type) throws -> [T] {
          var code = SQLITE_OK
          let values = [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            code = sqlite3_blob_read(
              blob, buffer.baseAddress, Int32(n * 8), Int32(section * sectionBytes + first * 8))
            initialized = n
          }
          try database.check(code, sql: "read detection pack")
          return values
        }
        var chunk = DetectionColumns()
        chunk.imageIDs = try read(0, Int64.self)
        chunk.categoryIDs = try read(1, Int64.self)
        chunk.x = try read(2, Double.self)
        chunk.y = try read(3, Double.self)
        chunk.width = try read(4, Double.self)
        chunk.height = try read(5, Double.self)
        chunk.score = try read(6, Double.self)
        #if _endian(big)
          chunk.imageIDs = chunk.imageIDs.map { Int64(littleEndian: $0) }
          chunk.categoryIDs = chunk.categoryIDs.map { Int64(littleEndian: $0) }
          func native(_ values: [Double]) -> [Double] {
            values.map { Double(bitPattern: UInt64(littleEndian: $0.bitPattern)) }
          }
          chunk.x = native(chunk.x)
          chunk.y = native(chunk.y)
          chunk.width = native(chunk.width)
          chunk.height = native(chunk.height)
          chunk.score = native(chunk.score)
        #endif
        try body(chunk)
        first += n
      }
    }
    return true
  }
}
