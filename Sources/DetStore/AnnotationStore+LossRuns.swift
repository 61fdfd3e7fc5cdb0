/// One image's losses in a recorded run.
public struct ImageLossRecord: Hashable, Sendable {
  public var imageID: RecordID
  public var fileName: String
  /// Normalised classification (or objectness) loss.
  public var classification: Double
  /// Normalised box loss.
  public var box: Double
  public var positives: Int
  public var ignored: Int

  /// `classification + box`.
  public var total: Double { classification + box }

  public init(imageID: RecordID, fileName: String, classification: Double, box: Double, positives: Int, ignored: Int) {
    self.imageID = imageID
    self.fileName = fileName
    self.classification = classification
    self.box = box
    self.positives = positives
    self.ignored = ignored
  }
}

extension AnnotationStore {
  /// Starts (or restarts) the loss run `run` over dataset `dataset`: any earlier run of
  /// that name is deleted with its records.
  /// - Returns: the run's row id for ``appendLosses(_:toRun:)``.
  /// - Throws: `.notFound` for an unknown dataset.
  public func beginLossRun(named run: String, dataset: String, head: String) throws -> Int64 {
    let datasetID = try requireDataset(named: dataset)
    return try database.transaction {
      let delete = try database.statement("DELETE FROM loss_runs WHERE name = ?")
      delete.bind(run, at: 1)
      try delete.run()
      let insert = try database.statement("INSERT INTO loss_runs (dataset_id, name, head) VALUES (?, ?, ?)")
      insert.bind(datasetID, at: 1)
      insert.bind(run, at: 2)
      insert.bind(head, at: 3)
      try insert.run()
      return try database.scalarInt("SELECT id FROM loss_runs WHERE name = ?", [.text(run)]) ?? -1
    }
  }

  /// Appends per-image losses to a run, in one transaction (a batch at a time).
  /// - Complexity: O(records).
  public func appendLosses(_ records: [ImageLossRecord], toRun runID: Int64) throws {
    try database.transaction {
      let s = try database.statement(
        """
        INSERT OR REPLACE INTO image_losses (run_id, image_id, file_name, classification, box, positives, ignored)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """)
      for r in records {
        s.bind(runID, at: 1)
        s.bind(r.imageID, at: 2)
        s.bind(r.fileName, at: 3)
        s.bind(r.classification, at: 4)
        s.bind(r.box, at: 5)
        s.bind(Int64(r.positives), at: 6)
        s.bind(Int64(r.ignored), at: 7)
        try s.run()
      }
    }
  }

  /// The `top` images of run `run` with the highest total loss, highest first (ties by
  /// image id order of insertion).
  /// - Throws: `.notFound` naming the recorded runs when `run` is unknown.
  /// - Complexity: O(top log n) with the run's (total DESC) index.
  public func hardestImages(inRun run: String, top: Int) throws -> [ImageLossRecord] {
    guard let runID = try database.scalarInt("SELECT id FROM loss_runs WHERE name = ?", [.text(run)]) else {
      let names = try lossRunNames()
      let known = names.isEmpty ? "no runs recorded" : "known: " + names.joined(separator: ", ")
      throw StoreError(.notFound, "no loss run named \"\(run)\" in \(database.path) (\(known))")
    }
    let s = try database.statement(
      """
      SELECT image_id, file_name, classification, box, positives, ignored FROM image_losses
      WHERE run_id = ? ORDER BY classification + box DESC, rowid LIMIT ?
      """)
    s.bind(runID, at: 1)
    s.bind(Int64(max(0, top)), at: 2)
    defer { s.reset() }
    var out: [ImageLossRecord] = []
    while try s.step() {
      out.append(
        ImageLossRecord(
          imageID: s.recordID(0), fileName: s.string(1), classification: s.double(2), box: s.double(3),
          positives: s.int(4), ignored: s.int(5)))
    }
    return out
  }

  /// The names of the recorded loss runs, alphabetically.
  public func lossRunNames() throws -> [String] {
    let s = try database.statement("SELECT name FROM loss_runs ORDER BY name")
    defer { s.reset() }
    var names: [String] = []
    while try s.step() { names.append(s.string(0)) }
    return names
  }
}
