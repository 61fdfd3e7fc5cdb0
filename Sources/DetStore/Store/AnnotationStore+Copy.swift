/// What a dataset operation wrote into one new dataset.
public struct DatasetCopyCount: Hashable, Sendable {
  public var dataset: String
  public var images: Int
  public var annotations: Int
}

extension AnnotationStore {
  /// Copies part of dataset `sourceID` into a new dataset `target` inside the caller's
  /// transaction: every category (ids, names, indexes and kept members as they are), the
  /// images whose rowids are in `temp.copy_images` (in import order), and their annotations
  /// that pass `annotationCondition` (SQL over `a.*` and `c.name`, with `?` bindings), every
  /// column verbatim (crowd, difficult, ignore and unknown members kept). The source's kept
  /// top-level document comes along. Detection sets stay with the source.
  ///
  /// - Throws: `.datasetExists` when `target` exists; `.sqlite`.
  /// - Complexity: O(records copied) plus the index lookups.
  func copyDataset(
    _ sourceID: Int64, to target: String, annotationCondition: String = "1",
    bindings: [SQLValue] = []
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
    let images = try database.statement(
      """
      INSERT INTO images (dataset_id, original_id, file_name, width, height, extra)
      SELECT ?1, original_id, file_name, width, height, extra FROM images
      WHERE dataset_id = ?2 AND id IN (SELECT row FROM temp.copy_images) ORDER BY id
      """)
    images.bind(id, at: 1)
    images.bind(sourceID, at: 2)
    try images.run()
    let imageCount = database.changes
    let annotations = try Statement(
      database: database,
      sql: """
        INSERT INTO annotations (dataset_id, ordinal, original_id, image_id, category_id, x, y,
          w, h, area, iscrowd, difficult, truncated, occluded, pose, segmentation, extra, omitted)
        SELECT \(id), a.ordinal, a.original_id, a.image_id, a.category_id, a.x, a.y, a.w, a.h,
          a.area, a.iscrowd, a.difficult, a.truncated, a.occluded, a.pose, a.segmentation,
          a.extra, a.omitted
        FROM annotations a
        LEFT JOIN categories c ON c.dataset_id = a.dataset_id AND c.original_id = a.category_id
        WHERE a.dataset_id = \(sourceID)
          AND a.image_id IN (SELECT original_id FROM images WHERE dataset_id = \(id))
          AND (\(annotationCondition))
        ORDER BY a.id
        """)
    try annotations.bind(bindings)
    try annotations.run()
    return DatasetCopyCount(dataset: target, images: imageCount, annotations: database.changes)
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
