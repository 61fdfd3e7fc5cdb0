import DetSupport

/// Which records ``AnnotationStore/filter(_:into:_:progress:)`` keeps. Every condition set must hold.
public struct DatasetFilter: Hashable, Sendable {
  /// What happens to crowd boxes.
  public enum Crowd: String, Hashable, Sendable, CaseIterable {
    case keep, drop, only
  }

  /// Keep only boxes of these categories (by name); empty: every category. Every category
  /// record is kept either way, so ids and indexes stay as they were.
  public var categories: Set<String>
  /// Keep only boxes whose smaller side is at least this many pixels; `nil`: any.
  public var minimumSide: Double?
  /// Keep only images whose stored file name, or its last component, is listed; `nil`: all.
  public var fileNames: Set<String>?
  public var crowd: Crowd
  /// Keep images left without boxes (true), or leave them out.
  public var keepsEmptyImages: Bool

  public init(
    categories: Set<String> = [], minimumSide: Double? = nil, fileNames: Set<String>? = nil,
    crowd: Crowd = .keep, keepsEmptyImages: Bool = true
  ) {
    self.categories = categories
    self.minimumSide = minimumSide
    self.fileNames = fileNames
    self.crowd = crowd
    self.keepsEmptyImages = keepsEmptyImages
  }
}

extension AnnotationStore {
  /// Copies the records of dataset `name` that `filter` keeps into a new dataset `target`,
  /// in one transaction; kept records are copied verbatim (crowd, ignore, difficult and
  /// unknown members included). The source is not changed.
  ///
  /// - Parameter progress: called with the records read while copying, in
  ///   ``ProgressUnit/records``: the images kept, then the annotations of those images (each
  ///   is read to test the filter); first with 0 done once the images are chosen, last with
  ///   the total.
  /// - Throws: `.notFound` for an unknown dataset or a category name it lacks;
  ///   `.datasetExists` when `target` exists. Nothing is written when it throws.
  /// - Complexity: O(images + annotations of the dataset).
  public func filter(
    _ name: String, into target: String, _ filter: DatasetFilter,
    progress: WorkProgressHandler? = nil
  ) throws -> DatasetCopyCount {
    try database.transaction {
      let id = try requireDataset(named: name)
      var known: Set<String> = []
      try forEachCategory(in: name) { known.insert($0.name) }
      if let unknown = filter.categories.subtracting(known).sorted().first {
        throw StoreError(
          .notFound,
          "dataset \"\(name)\" has no category \"\(unknown)\" (it has \(known.sorted().joined(separator: ", ")))"
        )
      }
      var conditions: [String] = []
      var bindings: [SQLValue] = []
      if !filter.categories.isEmpty {
        conditions.append(
          "c.name IN (\(Array(repeating: "?", count: filter.categories.count).joined(separator: ", ")))"
        )
        bindings += filter.categories.sorted().map { .text($0) }
      }
      if let side = filter.minimumSide {
        conditions.append("min(a.w, a.h) >= ?")
        bindings.append(.real(side))
      }
      switch filter.crowd {
      case .keep: break
      case .drop: conditions.append("a.iscrowd = 0")
      case .only: conditions.append("a.iscrowd != 0")
      }
      let condition = conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")
      // Images: by file list, then (unless empty images stay) those with a kept box.
      var rows: [Int64] = []
      let images = try Statement(
        database: database,
        sql: "SELECT id, file_name FROM images WHERE dataset_id = ? ORDER BY id")
      images.bind(id, at: 1)
      while try images.step() {
        let fileName = images.string(1)
        if let names = filter.fileNames {
          let last = fileName.split(separator: "/").last.map(String.init) ?? fileName
          guard names.contains(fileName) || names.contains(last) else { continue }
        }
        rows.append(images.int64(0))
      }
      try selectImages(rows)
      if !filter.keepsEmptyImages {
        let withBoxes = try Statement(
          database: database,
          sql: """
            DELETE FROM temp.copy_images WHERE row NOT IN (
              SELECT i.id FROM images i JOIN annotations a
                ON a.dataset_id = i.dataset_id AND a.image_id = i.original_id
              LEFT JOIN categories c
                ON c.dataset_id = a.dataset_id AND c.original_id = a.category_id
              WHERE i.dataset_id = \(id) AND (\(condition)))
            """)
        try withBoxes.bind(bindings)
        try withBoxes.run()
      }
      let copied = WorkTally(progress, unit: .records)
      let count = try copyDataset(
        id, to: target, annotationCondition: condition, bindings: bindings, progress: copied)
      copied.finish()
      return count
    }
  }

  /// Renames category `old` of dataset `name` to `new`, in place.
  ///
  /// - Throws: `.notFound` when there is no category `old`; `.datasetExists` when `new` is
  ///   taken (``remapCategories(in:_:)`` merges categories).
  public func renameCategory(in name: String, from old: String, to new: String) throws {
    _ = try remapCategories(in: name, [old: new], merging: false)
  }

  /// Renames categories of dataset `name` in place, in one transaction, olds taken in name
  /// order: each `old` name becomes `new`; when a category `new` exists already (or another
  /// old became it), the boxes of `old` move to it and `old` is removed (indexes renumbered
  /// in id order).
  ///
  /// Each merge reads the dataset's annotations in chunks of 65536 rowids.
  ///
  /// - Parameter progress: called with the annotations read, in ``ProgressUnit/records``
  ///   (total: the dataset's annotations times the categories merged): first with 0, then
  ///   after each chunk, last with the total. Never called when nothing merges.
  /// - Returns: the boxes moved to another category.
  /// - Throws: `.notFound` for an unknown dataset or `old` name. Nothing changes when it
  ///   throws.
  /// - Complexity: O(annotations of the dataset) per merged category.
  @discardableResult
  public func remapCategories(
    in name: String, _ mapping: [String: String], progress: WorkProgressHandler? = nil
  ) throws -> Int {
    try remapCategories(in: name, mapping, merging: true, progress: progress)
  }

  private func remapCategories(
    in name: String, _ mapping: [String: String], merging: Bool,
    progress: WorkProgressHandler? = nil
  ) throws -> Int {
    try database.transaction {
      let id = try requireDataset(named: name)
      var byName: [String: Int64] = [:]
      let s = try database.statement("SELECT id, name FROM categories WHERE dataset_id = ?")
      s.bind(id, at: 1)
      while try s.step() { byName[s.string(1)] = s.int64(0) }
      // The merges ahead (the loop below, on names only), and the annotations' rowids.
      var names = byName
      var merges = 0
      for (old, new) in mapping.sorted(by: { $0.key < $1.key }) where old != new {
        guard let row = names[old] else { break }
        if names[new] != nil { merges += 1 } else { names[new] = row }
        names[old] = nil
      }
      let span = try database.statement(
        "SELECT count(*), min(id), max(id) FROM annotations WHERE dataset_id = ?")
      span.bind(id, at: 1)
      let (count, first, last) =
        try span.step() && !span.isNull(1) ? (span.int(0), span.int64(1), span.int64(2)) : (0, 1, 0)
      span.reset()
      let chunk: Int64 = 65_536
      let read = WorkTally(merges > 0 ? progress : nil, total: merges * count, unit: .records)
      read.report()
      var moved = 0
      for (old, new) in mapping.sorted(by: { $0.key < $1.key }) where old != new {
        guard let row = byName[old] else {
          throw StoreError(.notFound, "dataset \"\(name)\" has no category \"\(old)\"")
        }
        if let target = byName[new] {
          guard merging else {
            throw StoreError(
              .datasetExists,
              "dataset \"\(name)\" already has a category \"\(new)\"; remap merges categories")
          }
          // By rowid range (`+dataset_id`: not through the index), so progress can follow.
          let move = try database.statement(
            """
            UPDATE annotations SET category_id =
              (SELECT original_id FROM categories WHERE id = ?1)
            WHERE +dataset_id = ?3 AND category_id = (SELECT original_id FROM categories WHERE id = ?2)
              AND id BETWEEN ?4 AND ?5
            """)
          let before = read.done
          try forEachRowidRange(from: first, through: last, size: chunk) { low, high in
            move.bind(target, at: 1)
            move.bind(row, at: 2)
            move.bind(id, at: 3)
            move.bind(low, at: 4)
            move.bind(high, at: 5)
            try move.run()
            moved += database.changes
            // Rows read so far, in proportion to the rowids covered.
            let covered = Double(high - first + 1) / Double(last - first + 1)
            read.add(before + Int((Double(count) * covered).rounded()) - read.done)
          }
          let delete = try database.statement("DELETE FROM categories WHERE id = ?")
          delete.bind(row, at: 1)
          try delete.run()
        } else {
          let rename = try database.statement("UPDATE categories SET name = ? WHERE id = ?")
          rename.bind(new, at: 1)
          rename.bind(row, at: 2)
          try rename.run()
          byName[new] = row
        }
        byName[old] = nil
      }
      let rank = try database.statement(
        """
        UPDATE categories SET idx = r.rank
        FROM (SELECT id, row_number() OVER (ORDER BY original_id) - 1 AS rank
              FROM categories WHERE dataset_id = ?1) AS r
        WHERE categories.id = r.id
        """)
      rank.bind(id, at: 1)
      try rank.run()
      if merges > 0 { read.finish() }
      return moved
    }
  }
}
