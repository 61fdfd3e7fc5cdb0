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

  public init(
    imageID: RecordID, fileName: String, classification: Double, box: Double, positives: Int,
    ignored: Int
  ) {
    self.imageID = imageID
    self.fileName = fileName
    self.classification = classification
    self.box = box
    self.positives = positives
    self.ignored = ignored
  }
}

/// One batch's losses in a recorded run.
public struct BatchLossRecord: Hashable, Sendable {
  /// 0-based batch number.
  public var batch: Int
  public var images: Int
  /// The batch's classification (or objectness) term.
  public var classification: Double
  /// The batch's box term.
  public var box: Double
  /// The smoothed cost after this batch (the training-log view).
  public var emaCost: Double
  /// The batch file, or empty.
  public var source: String

  /// `classification + box`.
  public var cost: Double { classification + box }

  public init(
    batch: Int, images: Int, classification: Double, box: Double, emaCost: Double,
    source: String = ""
  ) {
    self.batch = batch
    self.images = images
    self.classification = classification
    self.box = box
    self.emaCost = emaCost
    self.source = source
  }
}

extension AnnotationStore {
  /// How long ``recordLossRun(named:dataset:head:records:)`` waits for another writer's
  /// lock: the records are the product of a whole run, so it outwaits an import (which holds
  /// the write lock until it commits) rather than failing after the usual 5 s.
  static let lossRunLockWaitMilliseconds: Int32 = 60_000

  /// Records the loss run `run` over dataset `dataset` in one transaction: every record
  /// lands, or nothing does. A failure, crash or kill before the commit leaves the file as
  /// it was. An earlier run of the same name is replaced in the same transaction, so readers
  /// see the old run or the new one, never neither and never a part.
  ///
  /// Takes the write lock only for the insert itself, waiting up to 60 s for another writer
  /// (an import holds the lock until it commits).
  ///
  /// - Parameters:
  ///   - run: the run's name, unique in the store.
  ///   - dataset: the dataset the losses were computed on.
  ///   - head: a short tag such as `retinanet` or `rpn`.
  ///   - records: one per image (image ids unique), in the order `hardestImages` breaks
  ///     ties by. Losses must be finite: SQLite would store NaN as NULL.
  ///   - batches: one per batch (batch numbers unique), finite, for ``batchLosses(inRun:)``.
  /// - Throws: `.notFound` for an unknown dataset; `.invalidRecord` (reason `.nonFinite`)
  ///   naming the first image whose loss is NaN or infinite; `.sqlite` for two records of one
  ///   image or a lock not granted within 60 s. Nothing is written when it throws.
  /// - Complexity: O(records), one transaction.
  public func recordLossRun(
    named run: String, dataset: String, head: String, records: [ImageLossRecord],
    batches: [BatchLossRecord] = []
  ) throws {
    if let bad = records.first(where: { !($0.classification.isFinite && $0.box.isFinite) }) {
      throw StoreError(
        .invalidRecord,
        "loss run \"\(run)\": image \(bad.imageID) (\(bad.fileName)) has a non-finite loss (classification \(bad.classification), box \(bad.box))",
        recordID: bad.imageID, reason: .nonFinite)
    }
    if let bad = batches.first(where: {
      !($0.classification.isFinite && $0.box.isFinite && $0.emaCost.isFinite)
    }) {
      throw StoreError(
        .invalidRecord,
        "loss run \"\(run)\": batch \(bad.batch) has a non-finite loss (classification \(bad.classification), box \(bad.box), ema_cost \(bad.emaCost))",
        reason: .nonFinite)
    }
    try database.transaction(lockWaitMilliseconds: Self.lossRunLockWaitMilliseconds) {
      let datasetID = try requireDataset(named: dataset)
      let delete = try database.statement("DELETE FROM loss_runs WHERE name = ?")
      delete.bind(run, at: 1)
      try delete.run()
      let insertRun = try database.statement(
        "INSERT INTO loss_runs (dataset_id, name, head) VALUES (?, ?, ?)")
      insertRun.bind(datasetID, at: 1)
      insertRun.bind(run, at: 2)
      insertRun.bind(head, at: 3)
      try insertRun.run()
      let runID = database.lastInsertRowID
      let insert = try database.statement(
        """
        INSERT INTO image_losses (run_id, image_id, file_name, classification, box, positives, ignored)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """)
      for r in records {
        insert.bind(runID, at: 1)
        insert.bind(r.imageID, at: 2)
        insert.bind(r.fileName, at: 3)
        insert.bind(r.classification, at: 4)
        insert.bind(r.box, at: 5)
        insert.bind(Int64(r.positives), at: 6)
        insert.bind(Int64(r.ignored), at: 7)
        try insert.run()
      }
      let insertBatch = try database.statement(
        """
        INSERT INTO batch_losses (run_id, batch, images, classification, box, ema_cost, source)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """)
      for b in batches {
        insertBatch.bind(runID, at: 1)
        insertBatch.bind(Int64(b.batch), at: 2)
        insertBatch.bind(Int64(b.images), at: 3)
        insertBatch.bind(b.classification, at: 4)
        insertBatch.bind(b.box, at: 5)
        insertBatch.bind(b.emaCost, at: 6)
        insertBatch.bind(b.source, at: 7)
        try insertBatch.run()
      }
    }
  }

  /// The batches of run `run`, in batch order.
  /// - Throws: `.notFound` when `run` is unknown.
  /// - Complexity: O(batches).
  public func batchLosses(inRun run: String) throws -> [BatchLossRecord] {
    guard
      let runID = try database.scalarInt("SELECT id FROM loss_runs WHERE name = ?", [.text(run)])
    else {
      throw StoreError(.notFound, "no loss run named \"\(run)\" in \(database.path)")
    }
    let s = try database.statement(
      """
      SELECT batch, images, classification, box, ema_cost, source FROM batch_losses
      WHERE run_id = ? ORDER BY batch
      """)
    s.bind(runID, at: 1)
    defer { s.reset() }
    var out: [BatchLossRecord] = []
    while try s.step() {
      out.append(
        BatchLossRecord(
          batch: s.int(0), images: s.int(1), classification: s.double(2), box: s.double(3),
          emaCost: s.double(4), source: s.string(5)))
    }
    return out
  }

  /// The `top` images of run `run` with the highest total loss, highest first (ties by
  /// image id order of insertion).
  /// - Throws: `.notFound` naming the recorded runs when `run` is unknown.
  /// - Complexity: O(top log n) with the run's (total DESC) index.
  public func hardestImages(inRun run: String, top: Int) throws -> [ImageLossRecord] {
    guard
      let runID = try database.scalarInt("SELECT id FROM loss_runs WHERE name = ?", [.text(run)])
    else {
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
          imageID: s.recordID(0), fileName: s.string(1), classification: s.double(2),
          box: s.double(3),
          positives: s.int(4), ignored: s.int(5)))
    }
    return out
  }

  /// The head tag run `run` was recorded with (``recordLossRun(named:dataset:head:records:)``),
  /// or `nil` when there is no such run.
  /// - Complexity: O(log runs).
  public func lossRunHead(named run: String) throws -> String? {
    let s = try database.statement("SELECT head FROM loss_runs WHERE name = ?")
    s.bind(run, at: 1)
    defer { s.reset() }
    return try s.step() ? s.string(0) : nil
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
