/// The one error type of `DetStore`: what went wrong, where, and (for SQLite failures) the
/// result code and the SQL that failed.
///
/// `description` reads as one line for a terminal: location first, then the message, then
/// the record id and SQL when known, e.g.
/// `train.json:12:7 (annotations[1234].bbox[2]): expected a number, found "abc"`.
public struct StoreError: Error, Sendable, CustomStringConvertible {
  /// An open set of error kinds; compare with `==` or match with `~=` in `catch`.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// SQLite returned an error; `sqliteCode` holds its extended result code.
    public static let sqlite = Code("sqlite")
    /// The input is not well-formed (JSON syntax, wrong value type, truncated file).
    public static let malformedInput = Code("malformed input")
    /// A record broke a validation rule under `ValidationPolicy.strict`; `reason` says which.
    public static let invalidRecord = Code("invalid record")
    /// A dataset of that name already exists and `replace` was not requested.
    public static let datasetExists = Code("dataset exists")
    /// No dataset of that name (or no image of that id), or no store at that path, exists.
    public static let notFound = Code("not found")
    /// The file was written by a newer detkit (its `user_version` is above ours).
    public static let newerSchema = Code("newer schema")
    /// A read-only open found an older schema (or none), which it may not migrate.
    public static let olderSchema = Code("older schema")
    /// Reading or writing a file failed.
    public static let io = Code("i/o")
    /// The target format cannot hold something the dataset has (crowd boxes in VOC / YOLO)
    /// and no option says what to do with it; nothing was written.
    public static let unsupported = Code("unsupported")
    /// An import that would replace a dataset (or detection set) kept less than
    /// `ImportOptions.minimumKeptFraction` of what it read; nothing was changed, and
    /// `report` says what it read and skipped.
    public static let tooFewKept = Code("too few kept")

    public static func ~= (pattern: Code, error: any Error) -> Bool {
      (error as? StoreError)?.code == pattern
    }
  }

  public var code: Code
  /// What happened and what was expected.
  public var message: String
  /// Where in the input, when the error is about input data.
  public var location: SourceLocation?
  /// The original id of the offending record, when known.
  public var recordID: RecordID?
  /// The validation rule that failed, for `.invalidRecord`.
  public var reason: SkipReason?
  /// SQLite's extended result code, for `.sqlite`.
  public var sqliteCode: Int32?
  /// The statement that failed, for `.sqlite`.
  public var sql: String?
  /// For `.tooFewKept`: the refused import's counts and skipped records.
  public var report: ImportReport?

  public init(
    _ code: Code, _ message: String, location: SourceLocation? = nil, recordID: RecordID? = nil,
    reason: SkipReason? = nil, sqliteCode: Int32? = nil, sql: String? = nil
  ) {
    self.code = code
    self.message = message
    self.location = location
    self.recordID = recordID
    self.reason = reason
    self.sqliteCode = sqliteCode
    self.sql = sql
  }

  public var description: String {
    var text = ""
    if let location { text += "\(location): " }
    text += message
    if let recordID { text += " (record id \(recordID))" }
    if let sqliteCode { text += " [SQLite code \(sqliteCode)]" }
    if let sql { text += " in SQL: \(sql)" }
    return text
  }
}
