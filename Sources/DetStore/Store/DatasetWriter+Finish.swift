extension DatasetWriter {
  /// Settles references to images and categories that were not known when their
  /// annotations arrived, then assigns the contiguous category indexes. Runs inside the
  /// import's transaction.
  func finish() throws {
    let missingCategories = pendingCategories.ids.filter { !categoryIDs.contains($0) }
    let missingImages = pendingImages.ids.filter { !imageSizes.contains($0) }
    let lateImages = pendingImages.ids.filter { imageSizes.contains($0) }
    if !missingCategories.isEmpty || !missingImages.isEmpty || !lateImages.isEmpty {
      try checkPendingAnnotations(
        missingCategories: missingCategories, missingImages: missingImages, lateImages: lateImages)
    }
    let rank = try database.statement(
      """
      UPDATE categories SET idx = r.rank
      FROM (SELECT id, row_number() OVER (ORDER BY original_id) - 1 AS rank
            FROM categories WHERE dataset_id = ?1) AS r
      WHERE categories.id = r.id
      """)
    rank.bind(datasetID, at: 1)
    try rank.run()
  }

  /// The SQL twin of `add(_: AnnotationRecord)`'s rules 4-6 for the annotations that
  /// reference a missing category, a missing image, or an image added after them.
  private func checkPendingAnnotations(
    missingCategories: [RecordID], missingImages: [RecordID], lateImages: [RecordID]
  ) throws {
    try database.execute(
      """
      DROP TABLE IF EXISTS temp.missing_categories;
      DROP TABLE IF EXISTS temp.missing_images;
      DROP TABLE IF EXISTS temp.late_images;
      CREATE TEMP TABLE missing_categories (id ANY PRIMARY KEY) STRICT, WITHOUT ROWID;
      CREATE TEMP TABLE missing_images (id ANY PRIMARY KEY) STRICT, WITHOUT ROWID;
      CREATE TEMP TABLE late_images (id ANY PRIMARY KEY) STRICT, WITHOUT ROWID;
      """)
    defer {
      try? database.execute(
        """
        DROP TABLE IF EXISTS temp.missing_categories;
        DROP TABLE IF EXISTS temp.missing_images;
        DROP TABLE IF EXISTS temp.late_images;
        DROP TABLE IF EXISTS temp.rejected_annotations;
        """)
    }
    for (table, ids) in [
      ("missing_categories", missingCategories), ("missing_images", missingImages),
      ("late_images", lateImages),
    ] {
      let insert = try database.statement("INSERT INTO temp.\(table) (id) VALUES (?)")
      for id in ids {
        insert.bind(id, at: 1)
        try insert.run()
      }
    }
    let outside =
      options.clip
      ? "max(a.x, 0) >= min(a.x + a.w, i.width) OR max(a.y, 0) >= min(a.y + a.h, i.height)"
      : "a.x < -?2 OR a.y < -?2 OR a.x + a.w > i.width + ?2 OR a.y + a.h > i.height + ?2"
    let failing = """
      SELECT a.id AS row, a.ordinal AS ordinal, a.original_id AS original_id,
        CASE
          WHEN a.category_id IN temp.missing_categories THEN 'unknown-category'
          WHEN a.image_id IN temp.missing_images THEN 'unknown-image'
          WHEN i.id IS NOT NULL AND (\(outside)) THEN 'outside-image'
        END AS reason,
        a.image_id AS image_id, a.category_id AS category_id, i.width AS width, i.height AS height
      FROM annotations a
      LEFT JOIN images i ON a.image_id IN temp.late_images
        AND i.dataset_id = a.dataset_id AND i.original_id = a.image_id
      WHERE a.dataset_id = ?1 AND (a.category_id IN temp.missing_categories
        OR a.image_id IN temp.missing_images OR a.image_id IN temp.late_images)
      """
    switch options.policy {
    case .strict:
      let first = try database.statement(
        "SELECT * FROM (\(failing)) WHERE reason IS NOT NULL ORDER BY ordinal LIMIT 1")
      first.bind(datasetID, at: 1)
      if !options.clip { first.bind(options.tolerance, at: 2) }
      if try first.step() {
        let skipped = rejected(first)
        first.reset()
        throw StoreError(
          .invalidRecord, "\(skipped.reason): \(skipped.message)", location: skipped.location,
          recordID: skipped.recordID, reason: skipped.reason)
      }
    case .skip:
      let collect = try database.statement(
        "CREATE TEMP TABLE rejected_annotations AS SELECT * FROM (\(failing)) WHERE reason IS NOT NULL"
      )
      collect.bind(datasetID, at: 1)
      if !options.clip { collect.bind(options.tolerance, at: 2) }
      try collect.run()
      let counts = try database.statement(
        "SELECT reason, count(*) FROM temp.rejected_annotations GROUP BY reason")
      while try counts.step() {
        let reason = SkipReason(rawValue: counts.string(0))!
        report.skipped[reason, default: 0] += counts.int(1)
        report.annotations -= counts.int(1)
      }
      let room = options.keptSkips - report.skippedRecords.count
      if room > 0 {
        let first = try database.statement(
          "SELECT * FROM temp.rejected_annotations ORDER BY ordinal LIMIT ?")
        first.bind(Int64(room), at: 1)
        while try first.step() { report.skippedRecords.append(rejected(first)) }
      }
      try database.execute(
        "DELETE FROM annotations WHERE id IN (SELECT row FROM temp.rejected_annotations)")
    }
    if options.clip, !lateImages.isEmpty {
      let clip = try database.statement(
        """
        UPDATE annotations SET x = max(x, 0), y = max(y, 0),
          w = min(x + w, i.width) - max(x, 0), h = min(y + h, i.height) - max(y, 0)
        FROM images i
        WHERE annotations.dataset_id = ?1 AND annotations.image_id IN temp.late_images
          AND i.dataset_id = ?1 AND i.original_id = annotations.image_id
          AND (x < 0 OR y < 0 OR x + w > i.width OR y + h > i.height)
        """)
      clip.bind(datasetID, at: 1)
      try clip.run()
      report.clipped += database.changes
    }
  }

  /// The skipped record of a row of the failing-annotations query (`row, ordinal,
  /// original_id, reason, image_id, category_id, width, height`).
  private func rejected(_ row: Statement) -> SkippedRecord {
    let reason = SkipReason(rawValue: row.string(3))!
    let message: String
    switch reason {
    case .unknownCategory:
      message = "category id \(row.recordID(5)) is not in the dataset"
    case .unknownImage:
      message = "image id \(row.recordID(4)) is not in the dataset"
    default:
      message =
        options.clip
        ? "box lies outside the \(row.int(6))x\(row.int(7)) image"
        : "box extends beyond the \(row.int(6))x\(row.int(7)) image by more than \(options.tolerance) px"
    }
    return SkippedRecord(
      location: SourceLocation(file: source, path: annotationPath(row.int(1))),
      recordID: row.recordID(2), reason: reason, message: message)
  }
}
