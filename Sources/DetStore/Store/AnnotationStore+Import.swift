extension AnnotationStore {
  /// Imports one dataset in one transaction: `body` adds records through the writer; when
  /// it returns, deferred checks run, category indexes are assigned and the transaction
  /// commits. If anything throws, everything rolls back and the file is as it was.
  ///
  /// With `options.replace`, an existing dataset of the same name is deleted and the new
  /// one takes its name in the same transaction (readers see the old or the new, never
  /// neither).
  ///
  /// - Parameters:
  ///   - name: the dataset's name in this store (non-empty).
  ///   - format: a short tag for `datasets()` (`coco`, `voc`, `yolo`).
  ///   - source: the path imported from; used in error locations.
  /// - Returns: counts of stored and skipped records.
  /// - Throws: `.datasetExists` (no `replace`), `.invalidRecord` (strict policy), any error
  ///   `body` throws, `.sqlite`.
  /// - Complexity: O(records) time; memory O(ids), not O(records).
  public func importDataset(
    named name: String, format: String, source: String, options: ImportOptions = ImportOptions(),
    _ body: (DatasetWriter) throws -> Void
  ) throws -> ImportReport {
    precondition(!name.isEmpty, "dataset name must not be empty")
    return try database.transaction {
      let existing = try datasetRowID(named: name)
      if existing != nil, !options.replace {
        throw StoreError(
          .datasetExists,
          "dataset \"\(name)\" already exists in \(database.path); pass replace (--replace) to overwrite it"
        )
      }
      // A fresh store gets its annotation index built once after the bulk insert, which
      // is several times cheaper than maintaining it row by row.
      let rebuildIndex =
        try database.scalarInt("SELECT count(*) FROM (SELECT 1 FROM annotations LIMIT 1)") == 0
      if rebuildIndex { try database.execute("DROP INDEX annotations_by_image") }
      let insert = try database.statement(
        "INSERT INTO datasets (name, format, source) VALUES (?, ?, ?)")
      // The new dataset lives under a name no user can type until the swap.
      insert.bind(existing == nil ? name : "\u{0}importing \(name)", at: 1)
      insert.bind(format, at: 2)
      insert.bind(source, at: 3)
      try insert.run()
      let id = database.lastInsertRowID
      let writer = try DatasetWriter(
        database: database, datasetID: id, name: name, source: source, options: options,
        isDetectionImport: false)
      defer { writer.isOpen = false }
      try body(writer)
      try writer.finish()
      if existing != nil {
        try Self.requireEnoughKept(writer.report, options, replacing: "dataset \"\(name)\"")
      }
      if rebuildIndex {
        try database.execute(
          "CREATE INDEX annotations_by_image ON annotations (dataset_id, image_id)")
      }
      if let existing {
        let delete = try database.statement("DELETE FROM datasets WHERE id = ?")
        delete.bind(existing, at: 1)
        try delete.run()
        let rename = try database.statement("UPDATE datasets SET name = ? WHERE id = ?")
        rename.bind(name, at: 1)
        rename.bind(id, at: 2)
        try rename.run()
        writer.report.replaced = true
      }
      return writer.report
    }
  }

  /// Imports detections (a results file) for the existing dataset `name` as its detection
  /// set `set` (a model or checkpoint; `default` unless named), in one transaction. Each
  /// detection's image and category must be in that dataset.
  ///
  /// - Throws: `.notFound` for an unknown dataset; `.datasetExists` when the set already
  ///   has detections and `options.replace` is off (with it, they are replaced atomically);
  ///   `.invalidRecord` (strict); anything `body` throws.
  /// - Complexity: O(detections + images of the dataset).
  public func importDetections(
    into name: String, set: String = "default", source: String,
    options: ImportOptions = ImportOptions(), _ body: (DatasetWriter) throws -> Void
  ) throws -> ImportReport {
    precondition(!set.isEmpty, "detection set name must not be empty")
    let id = try requireDataset(named: name)
    return try database.transaction {
      let count =
        try database.scalarInt(
          "SELECT count(*) FROM detections WHERE dataset_id = ? AND set_name = ?",
          [.int(id), .text(set)]) ?? 0
      var replaced = false
      if count > 0 {
        guard options.replace else {
          throw StoreError(
            .datasetExists,
            "dataset \"\(name)\" already has \(count) detections in set \"\(set)\"; pass replace (--replace) to overwrite them, or name another set (--set)"
          )
        }
        let delete = try database.statement(
          "DELETE FROM detections WHERE dataset_id = ? AND set_name = ?")
        delete.bind(id, at: 1)
        delete.bind(set, at: 2)
        try delete.run()
        replaced = true
      }
      let writer = try DatasetWriter(
        database: database, datasetID: id, name: name, source: source, options: options,
        isDetectionImport: true, detectionSet: set)
      defer { writer.isOpen = false }
      try writer.loadExistingRecords()
      try body(writer)
      if replaced {
        try Self.requireEnoughKept(
          writer.report, options, replacing: "detection set \"\(set)\" of \"\(name)\"")
      }
      // After the last row (replacing, the old rows' delete trigger dropped the old pack).
      try writer.writeDetectionPack()
      writer.report.replaced = replaced
      writer.report.detectionSet = set
      writer.report.warnings += writer.keptDetectionWarnings
      return writer.report
    }
  }

  /// Throws `.tooFewKept` (carrying `report`) when an import that replaces `what` kept less
  /// than `options.minimumKeptFraction` of the records it read.
  private static func requireEnoughKept(
    _ report: ImportReport, _ options: ImportOptions, replacing what: String
  ) throws {
    guard report.keptFraction < options.minimumKeptFraction else { return }
    let read = report.keptTotal + report.skippedTotal
    let percent = { (value: Double) in String(Int((value * 100).rounded(.down))) + "%" }
    var error = StoreError(
      .tooFewKept,
      "the import kept \(report.keptTotal) of the \(read) records it read (\(percent(report.keptFraction)), skipped \(report.skippedTotal)), less than the \(percent(options.minimumKeptFraction)) needed to replace \(what) (--min-kept); nothing was changed. Force it (--force) if that is what you want"
    )
    error.report = report
    throw error
  }
}
