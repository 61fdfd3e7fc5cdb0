/// What an importer does with an invalid record.
public enum ValidationPolicy: String, Sendable, CaseIterable {
  /// The first invalid record aborts the import; the database is left as it was.
  case strict
  /// Invalid records are skipped and counted by reason in the import report.
  case skip
}
