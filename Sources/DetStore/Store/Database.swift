import CSQLite

/// A connection to one SQLite file; owns the handle and closes it in `deinit`.
///
/// Every SQLite call goes through `check(_:sql:)`, which turns a result code into a
/// `StoreError` carrying SQLite's message and the SQL. Prepared statements are cached by
/// their SQL text. Not `Sendable`: use a connection from one thread at a time.
final class Database {
  let handle: OpaquePointer
  let path: String
  /// How long a statement waits for another connection's lock before failing with
  /// SQLITE_BUSY ("database is locked").
  let busyTimeoutMilliseconds: Int32
  private var cache: [String: Statement] = [:]

  /// Opens `path` with WAL journal, foreign keys and a busy timeout.
  ///
  /// `create` allows a missing file to be created; `readOnly` opens with
  /// `SQLITE_OPEN_READONLY` and changes nothing in the file (no page size, no journal mode:
  /// a store made by detkit is already in WAL mode, and a read-only connection reads a WAL
  /// database like any other, through its `-shm` index).
  /// - Throws: `StoreError` `.sqlite` when the file cannot be opened or is not a database.
  init(
    path: String, create: Bool = true, readOnly: Bool = false,
    busyTimeoutMilliseconds: Int32 = 5_000
  ) throws {
    var pointer: OpaquePointer?
    var flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX
    if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
    let code = sqlite3_open_v2(path, &pointer, flags, nil)
    guard let pointer else {
      throw StoreError(.sqlite, "cannot open database \(path)", sqliteCode: code)
    }
    guard code == SQLITE_OK else {
      let message = String(cString: sqlite3_errmsg(pointer))
      sqlite3_close_v2(pointer)
      throw StoreError(.sqlite, "cannot open database \(path): \(message)", sqliteCode: code)
    }
    handle = pointer
    self.path = path
    self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
    sqlite3_extended_result_codes(handle, 1)
    sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
    try execute("PRAGMA foreign_keys = ON")
    if readOnly {
      // Reading the schema version fails with SQLITE_NOTADB on a non-database file.
      _ = try scalarInt("PRAGMA user_version")
      return
    }
    // 16 KiB pages for new files (no effect on existing ones): a quarter of the WAL frames
    // and write calls of the 4 KiB default for bulk imports.
    try execute("PRAGMA page_size = 16384")
    // journal_mode returns a row; it also fails with SQLITE_NOTADB on a non-database file.
    try execute("PRAGMA journal_mode = WAL")
    // In WAL mode NORMAL keeps every commit atomic and consistent (a crash may lose the
    // last commit, never half of it); it only skips the fsync on each commit.
    try execute("PRAGMA synchronous = NORMAL")
    // 64 MiB of page cache (default 2 MiB): a bulk import then spills far fewer pages to
    // the WAL before its commit.
    try execute("PRAGMA cache_size = -65536")
  }

  deinit {
    cache.removeAll()
    sqlite3_close_v2(handle)
  }

  /// Throws a `StoreError` for any code other than OK / ROW / DONE.
  @discardableResult
  func check(_ code: Int32, sql: String? = nil) throws -> Int32 {
    switch code {
    case SQLITE_OK, SQLITE_ROW, SQLITE_DONE: return code
    default:
      let message = String(cString: sqlite3_errmsg(handle))
      throw StoreError(.sqlite, message, sqliteCode: code, sql: sql)
    }
  }

  /// Runs one or more statements that take no arguments, discarding rows.
  func execute(_ sql: String) throws {
    try check(sqlite3_exec(handle, sql, nil, nil, nil), sql: sql)
  }

  /// A prepared statement for `sql`, reset and with bindings cleared, from the cache.
  func statement(_ sql: String) throws -> Statement {
    if let cached = cache[sql] {
      cached.reset()
      return cached
    }
    let statement = try Statement(database: self, sql: sql)
    cache[sql] = statement
    return statement
  }

  /// Runs `body` inside `BEGIN IMMEDIATE ... COMMIT`; rolls back and rethrows if it throws.
  ///
  /// `lockWaitMilliseconds` overrides the busy timeout for taking the write lock only (a
  /// writer that has already done long work may wait longer for an import to commit).
  func transaction<T>(lockWaitMilliseconds: Int32? = nil, _ body: () throws -> T) throws -> T {
    if let lockWaitMilliseconds {
      sqlite3_busy_timeout(handle, lockWaitMilliseconds)
      let begun = Result { try execute("BEGIN IMMEDIATE") }
      sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
      try begun.get()
    } else {
      try execute("BEGIN IMMEDIATE")
    }
    do {
      let value = try body()
      try execute("COMMIT")
      return value
    } catch {
      try? execute("ROLLBACK")
      throw error
    }
  }

  /// Rows changed by the last INSERT / UPDATE / DELETE.
  var changes: Int { Int(sqlite3_changes(handle)) }

  /// The rowid of the last INSERT.
  var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

  /// The single integer a query like `SELECT count(*)` returns.
  func scalarInt(_ sql: String, _ bindings: [SQLValue] = []) throws -> Int64? {
    let statement = try self.statement(sql)
    try statement.bind(bindings)
    defer { statement.reset() }
    guard try statement.step() else { return nil }
    return statement.isNull(0) ? nil : statement.int64(0)
  }
}
