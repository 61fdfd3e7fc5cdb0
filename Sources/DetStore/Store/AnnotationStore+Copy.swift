import DetSupport

/// What a dataset operation wrote into one new dataset.
public struct DatasetCopyCount: Hashable, Sendable {
  public var dataset: String
  public var images: Int
  public var annotations: Int
}

/// How many rows `copyDataset` copies per statement: image rowids of `temp.copy_images`,
/// and annotations (tests make them small to cross chunk boundaries).
struct CopyChunks {
  var images: Int64 = 16_384
  var annotations = 32_768
}

extension AnnotationStore {

  /// The number of annotations of the dataset with rowid `datasetID` (from its index).
  func annotationCount(_ datasetID: Int64) throws -> Int {
    Int(
      try database.scalarInt(
        "SELECT count(*) FROM annotations WHERE dataset_id = ?", [.int(datasetID)]) ?? 0)
  }

  /// Copies part of dataset `sourceID` into a new dataset `target` inside the caller's
  /// transaction: every category (ids, names, indexes and kept members as they are), the
  /// images whose rowids are in `temp.copy_images` (in import order), and their annotations
  /// that pass `annotationCondition` (SQL over `a.*` and `c.name`, with `?` bindings), every
  /// column verbatim (crowd, difficult, ignore and unknown members kept). The source's kept
  /// top-level document comes along. Detection sets stay with the source.
  ///
  /// The rowids of the annotations of the chosen images go to `temp.copy_annotations` first
  /// (from the index); then images are copied in chunks of `copyChunks.images` rowids
  /// and annotations in chunks of `copyChunks.annotations` rows, each in rowid order, so the rows
  /// and their new rowids are those one statement per table would write. `progress` is
  /// told to expect the chosen images and their annotations, and gets each chunk's rows
  /// read.
  ///
  /// - Throws: `.datasetExists` when `target` exists; `.sqlite`.
  /// - Complexity: O(records copied) plus the index lookups; O(chunks) memory.
  func copyDataset(
    _ sourceID: Int64, to target: String, annotationCondition: String = "1",
    bindings: [SQLValue] = [], progress: WorkTally
  ) throws -> DatasetCopyCount {
    if try datasetRowID(named: target) != nil {
      throw StoreError(.datasetExists, "dataset \"\(target)\" already exists in \(database.path)")
    }
    let insert = try database.statement(
      """
      INSERT INTO datasets (name, format, source, document)
      SELECT ?, format, source, document FROM datasets WHERE id = ?
      """)
    insert.bind(target, at: 1)
    insert.bind(sourceID, at: 2)
    try insert.run()
    let id = database.lastInsertRowID
    let categories = try database.statement(
      """
      INSERT INTO categories (dataset_id, original_id, idx, name, supercategory, extra)
      SELECT ?1, original_id, idx, name, supercategory, extra FROM categories
      WHERE dataset_id = ?2 ORDER BY id
      """)
    categories.bind(id, at: 1)
    categories.bind(sourceID, at: 2)
    try categories.run()

    // The annotations of the chosen images, by rowid.
    try database.execute(
      """
      CREATE TEMP TABLE IF NOT EXISTS copy_annotations (row INTEGER PRIMARY KEY);
      DELETE FROM temp.copy_annotations;
      """)
    let candidates = try database.statement(
      """
      INSERT INTO temp.copy_annotations (row)
      SELECT a.id FROM annotations a
      WHERE a.dataset_id = ?1 AND a.image_id IN (
        SELECT original_id FROM images
        WHERE dataset_id = ?1 AND id IN (SELECT row FROM temp.copy_images))
      """)
    candidates.bind(sourceID, at: 1)
    try candidates.run()
    let candidateCount = database.changes
    let chosenImages = Int(try database.scalarInt("SELECT count(*) FROM temp.copy_images") ?? 0)
    progress.expect(chosenImages + candidateCount)
    progress.report()

    // `+dataset_id` keeps SQLite on the rowids of the chunk rather than the dataset index.
    let images = try database.statement(
      """
      INSERT INTO images (dataset_id, original_id, file_name, width, height, extra)
      SELECT ?1, original_id, file_name, width, height, extra FROM images
      WHERE +dataset_id = ?2
        AND id IN (SELECT row FROM temp.copy_images WHERE row BETWEEN ?3 AND ?4)
      ORDER BY id
      """)
    var imageCount = 0
    let rows = try database.statement("SELECT min(row), max(row) FROM temp.copy_images")
    let (firstRow, lastRow) =
      try rows.step() && !rows.isNull(0) ? (rows.int64(0), rows.int64(1)) : (1, 0)
    rows.reset()
    try forEachRowidRange(from: firstRow, through: lastRow, size: copyChunks.images) {
      low, high in
      images.bind(id, at: 1)
      images.bind(sourceID, at: 2)
      images.bind(low, at: 3)
      images.bind(high, at: 4)
      try images.run()
      imageCount += database.changes
      progress.add(database.changes)
    }

    // Chunks of the candidates: the first rowid of every `copyChunks.annotations`-th.
    var starts: [Int64] = []
    let ordered = try database.statement("SELECT row FROM temp.copy_annotations ORDER BY row")
    var seen = 0
    while try ordered.step() {
      if seen % copyChunks.annotations == 0 { starts.append(ordered.int64(0)) }
      seen += 1
    }
    ordered.reset()
    let annotations = try Statement(
      database: database,
      sql: """
        INSERT INTO annotations (dataset_id, ordinal, original_id, image_id, category_id, x, y,
          w, h, area, iscrowd, difficult, truncated, occluded, pose, segmentation, extra, omitted)
        SELECT \(id), a.ordinal, a.original_id, a.image_id, a.category_id, a.x, a.y, a.w, a.h,
          a.area, a.iscrowd, a.difficult, a.truncated, a.occluded, a.pose, a.segmentation,
          a.extra, a.omitted
        FROM temp.copy_annotations t
        CROSS JOIN annotations a ON a.id = t.row
        LEFT JOIN categories c ON c.dataset_id = a.dataset_id AND c.original_id = a.category_id
        WHERE (\(annotationCondition)) AND t.row >= ? AND t.row < ?
        ORDER BY t.row
        """)
    var annotationCount = 0
    for (k, start) in starts.enumerated() {
      annotations.reset()
      try annotations.bind(bindings)
      annotations.bind(start, at: Int32(bindings.count + 1))
      annotations.bind(k + 1 < starts.count ? starts[k + 1] : .max, at: Int32(bindings.count + 2))
      try annotations.run()
      annotationCount += database.changes
      progress.add(
        min(copyChunks.annotations, candidateCount - k * copyChunks.annotations))
    }
    return DatasetCopyCount(dataset: target, images: imageCount, annotations: annotationCount)
  }

  /// Fills `temp.copy_images` with `rows` (image rowids), replacing what it held.
  func selectImages(_ rows: some Sequence<Int64>) throws {
    try database.execute(
      """
      CREATE TEMP TABLE IF NOT EXISTS copy_images (row INTEGER PRIMARY KEY);
      DELETE FROM temp.copy_images;
      """)
    let insert = try database.statement("INSERT INTO temp.copy_images (row) VALUES (?)")
    for row in rows {
      insert.bind(row, at: 1)
      try insert.run()
    }
  }
}
