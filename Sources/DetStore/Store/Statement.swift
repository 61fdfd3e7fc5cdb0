import CSQLite

/// A value bound to or read from a statement parameter.
enum SQLValue {
  case null
  case int(Int64)
  case real(Double)
  case text(String)
}

/// A prepared statement; finalised in `deinit`. Bind with 1-based indexes, read columns
/// with 0-based indexes (SQLite's conventions).
final class Statement {
  unowned let database: Database
  let handle: OpaquePointer
  let sql: String

  init(database: Database, sql: String) throws {
    var pointer: OpaquePointer?
    let code = sqlite3_prepare_v3(
      database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
    try database.check(code, sql: sql)
    guard let pointer else {
      throw StoreError(.sqlite, "empty statement", sql: sql)
    }
    self.database = database
    self.handle = pointer
    self.sql = sql
  }

  deinit { sqlite3_finalize(handle) }

  func reset() {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
  }

  /// Advances one row: `true` when a row is available, `false` when done.
  @discardableResult
  func step() throws -> Bool {
    let code = sqlite3_step(handle)
    if code == SQLITE_ROW { return true }
    if code == SQLITE_DONE { return false }
    let message = String(cString: sqlite3_errmsg(database.handle))
    sqlite3_reset(handle)
    throw StoreError(.sqlite, message, sqliteCode: code, sql: sql)
  }

  /// Steps to completion and resets, for INSERT / UPDATE / DELETE.
  func run() throws {
    defer { sqlite3_reset(handle) }
    while try step() {}
  }

  // MARK: Binding

  func bind(_ value: Int64, at index: Int32) {
    sqlite3_bind_int64(handle, index, value)
  }

  func bind(_ value: Double, at index: Int32) {
    sqlite3_bind_double(handle, index, value)
  }

  func bind(_ value: String, at index: Int32) {
    sqlite3_bind_text(handle, index, value, -1, transientDestructor)
  }

  func bind(_ value: String?, at index: Int32) {
    if let value { bind(value, at: index) } else { sqlite3_bind_null(handle, index) }
  }

  func bind(_ id: RecordID, at index: Int32) {
    switch id {
    case .int(let value): bind(value, at: index)
    case .text(let value): bind(value, at: index)
    }
  }

  /// Binds UTF-8 bytes as TEXT, copying them.
  func bind(utf8 bytes: UnsafeRawBufferPointer, at index: Int32) {
    guard let base = bytes.baseAddress, bytes.count > 0 else {
      sqlite3_bind_text(handle, index, "", 0, transientDestructor)
      return
    }
    sqlite3_bind_text(
      handle, index, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count),
      transientDestructor)
  }

  func bind(_ values: [SQLValue]) throws {
    for (offset, value) in values.enumerated() {
      let index = Int32(offset + 1)
      switch value {
      case .null: sqlite3_bind_null(handle, index)
      case .int(let v): bind(v, at: index)
      case .real(let v): bind(v, at: index)
      case .text(let v): bind(v, at: index)
      }
    }
  }

  // MARK: Reading columns

  func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
  func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
  func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
  func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
  func bool(_ column: Int32) -> Bool { sqlite3_column_int64(handle, column) != 0 }

  func string(_ column: Int32) -> String {
    guard let text = sqlite3_column_text(handle, column) else { return "" }
    let count = Int(sqlite3_column_bytes(handle, column))
    return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
  }

  func optionalString(_ column: Int32) -> String? { isNull(column) ? nil : string(column) }

  func recordID(_ column: Int32) -> RecordID {
    sqlite3_column_type(handle, column) == SQLITE_INTEGER
      ? .int(int64(column)) : .text(string(column))
  }
}

/// `SQLITE_TRANSIENT`: SQLite copies the bound bytes before the call returns.
private let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
