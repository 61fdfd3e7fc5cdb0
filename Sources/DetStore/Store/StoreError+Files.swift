import DetSupport

extension StoreError {
  /// The `.io` error for a failed system call on `path`: `cannot open train.json: No such
  /// file or directory`.
  init(path: String, _ failure: SystemCallError) {
    let verb =
      switch failure.call {
      case "fstat": "stat"
      case "mmap": "map"
      default: failure.call
      }
    self.init(.io, "cannot \(verb) \(path): \(failure.reason)")
  }
}

/// Maps `path` for a streaming reader (sequential read-ahead), with `DetStore`'s errors.
///
/// - Throws: `StoreError` `.io` naming the file and the system's reason, or saying it is not a
///   regular file (a FIFO is refused without blocking).
func mapFile(_ path: String) throws(StoreError) -> MappedFile {
  do {
    return try MappedFile(path: path, sequential: true)
  } catch {
    switch error {
    case .system(let failure): throw StoreError(path: path, failure)
    case .notRegularFile: throw StoreError(.io, "\(path) is not a regular file")
    }
  }
}

/// Writes `path` through an ``OutputFile`` (replaced atomically; `-` is standard output):
/// `body` writes, then the file is committed.
///
/// - Throws: what `body` throws, or `StoreError` `.io` (`cannot create|write|close|rename
///   PATH: reason`); the target is then left as it was.
func writeFile(_ path: String, _ body: (OutputFile) throws -> Void) throws {
  do {
    let out = try OutputFile(path: path)
    try body(out)
    try out.commit()
  } catch let failure as SystemCallError {
    let verb = failure.call == "open" ? "create" : failure.call
    throw StoreError(.io, "cannot \(verb) \(path): \(failure.reason)")
  }
}
