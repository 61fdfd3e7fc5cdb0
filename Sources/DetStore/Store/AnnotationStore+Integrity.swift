extension AnnotationStore {
  /// What SQLite finds wrong with the file: the rows of `PRAGMA integrity_check` (b-tree,
  /// index, page and `STRICT` type checks) other than its single `ok`, then one line per
  /// row of `PRAGMA foreign_key_check` (a record whose parent is missing).
  ///
  /// - Returns: the problems; empty for a sound file.
  /// - Throws: `StoreError` `.sqlite` if the checks cannot run.
  /// - Complexity: O(file size): every page is read.
  public func integrityProblems() throws -> [String] {
    var problems: [String] = []
    let integrity = try database.statement("PRAGMA integrity_check")
    defer { integrity.reset() }
    while try integrity.step() {
      let line = integrity.string(0)
      if line != "ok" { problems.append(line) }
    }
    let foreignKeys = try database.statement("PRAGMA foreign_key_check")
    defer { foreignKeys.reset() }
    while try foreignKeys.step() {
      problems.append(
        "\(foreignKeys.string(0)) row \(foreignKeys.int64(1)) refers to a missing \(foreignKeys.string(2)) row"
      )
    }
    return problems
  }
}
