import Foundation

/// An SQLite file holding many annotation datasets, addressed by name.
///
/// Open one with `AnnotationStore(path:)`; the schema is created or migrated forward on
/// open. Commands that only read open with `AnnotationStore(path:mode: .readOnly)`, which
/// never creates a file (a missing path is an error, not a new empty store). Import with `importDataset(named:format:source:options:_:)` (one transaction per
/// import: all of it lands or the file is left as it was), read back with the `forEach...`
/// methods, summarise with `statistics(of:)`.
///
/// Owns one SQLite connection (WAL journal, foreign keys on, 5 s busy timeout). Not
/// `Sendable`: use a store from one thread at a time; open a second store for another thread.
public final class AnnotationStore {
  let database: Database
  /// Rows per statement when a dataset operation copies records (see `copyDataset`).
  var copyChunks = CopyChunks()

  /// How ``init(path:mode:)`` opens a file.
  public enum OpenMode: String, Hashable, Sendable, CaseIterable {
    /// Read and write; a missing file is created with the current schema, an older schema
    /// is migrated forward. For imports.
    case createIfMissing
    /// Read and write an existing store (an older schema is migrated forward); a missing
    /// file is an error and nothing is created. For commands that read and may record
    /// results (`detkit loss ... --record`).
    case existing
    /// Read only (`SQLITE_OPEN_READONLY`): the file is never created, migrated or written.
    /// Reads see the last committed state while another connection writes (WAL). A store
    /// with an older schema is refused (open it once with another mode to migrate it),
    /// except v5, which differs only by lacking packed detection sets (read from the rows).
    /// SQLite may create the store's `-wal` / `-shm` companions next to an existing file,
    /// and leaves them when the last connection to close is read-only; the next
    /// read-write connection removes them.
    case readOnly
  }

  /// Opens the store at `path`.
  ///
  /// - Parameters:
  ///   - path: the SQLite file (`:memory:` for a temporary store with ``OpenMode/createIfMissing``).
  ///   - mode: whether a missing file may be created and whether the store may be written
  ///     (default ``OpenMode/createIfMissing``).
  /// - Throws: `StoreError` `.notFound` ("no such store: PATH") when `mode` is not
  ///   ``OpenMode/createIfMissing`` and nothing exists at `path` (nothing is created);
  ///   `.sqlite` if the file cannot be opened or is not an SQLite database; `.newerSchema` if
  ///   a newer detkit wrote it; `.olderSchema` for a schema older than v5 under
  ///   ``OpenMode/readOnly``.
  public init(path: String, mode: OpenMode = .createIfMissing) throws {
    if mode != .createIfMissing {
      var status = stat()
      guard stat(path, &status) == 0 else {
        throw StoreError(.notFound, "no such store: \(path)")
      }
    }
    database = try Database(
      path: path, create: mode == .createIfMissing, readOnly: mode == .readOnly)
    if mode == .readOnly {
      fileSchemaVersion = try Schema.requireCurrent(database)
    } else {
      try Schema.migrate(database)
      fileSchemaVersion = Schema.version
    }
  }

  /// The schema version of the file as opened: ``schemaVersion``, or under
  /// ``OpenMode/readOnly`` possibly an older one that reads as it is (v5: no packed
  /// detection sets).
  let fileSchemaVersion: Int

  /// The schema version this build reads and writes (`PRAGMA user_version`).
  public static var schemaVersion: Int { Schema.version }

  /// The rowid of the dataset called `name`, or `nil`.
  func datasetRowID(named name: String) throws -> Int64? {
    try database.scalarInt("SELECT id FROM datasets WHERE name = ?", [.text(name)])
  }

  /// The rowid of the dataset called `name`.
  /// - Throws: `.notFound` naming the datasets that do exist.
  func requireDataset(named name: String) throws -> Int64 {
    if let id = try datasetRowID(named: name) { return id }
    let names = try datasets().map(\.name)
    let known = names.isEmpty ? "the store is empty" : "known: " + names.joined(separator: ", ")
    throw StoreError(.notFound, "no dataset named \"\(name)\" in \(database.path) (\(known))")
  }

  /// Deletes the dataset called `name` with all its records.
  /// - Throws: `.notFound` if there is none.
  /// - Complexity: O(records of the dataset), one transaction.
  public func deleteDataset(named name: String) throws {
    let id = try requireDataset(named: name)
    try database.transaction {
      let statement = try database.statement("DELETE FROM datasets WHERE id = ?")
      statement.bind(id, at: 1)
      try statement.run()
    }
  }
}
