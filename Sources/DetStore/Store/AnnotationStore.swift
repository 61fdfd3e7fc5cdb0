/// An SQLite file holding many annotation datasets, addressed by name.
///
/// Open one with `AnnotationStore(path:)`; the schema is created or migrated forward on
/// open. Import with `importDataset(named:format:source:options:_:)` (one transaction per
/// import: all of it lands or the file is left as it was), read back with the `forEach...`
/// methods, summarise with `statistics(of:)`.
///
/// Owns one SQLite connection (WAL journal, foreign keys on, 5 s busy timeout). Not
/// `Sendable`: use a store from one thread at a time; open a second store for another thread.
public final class AnnotationStore {
  let database: Database

  /// Opens or creates the store at `path`.
  /// - Throws: `StoreError` `.sqlite` if the file cannot be opened or is not an SQLite
  ///   database, `.newerSchema` if a newer detkit wrote it.
  public init(path: String) throws {
    database = try Database(path: path)
    try Schema.migrate(database)
  }

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
