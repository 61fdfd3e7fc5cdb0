#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file written in one piece through a 1 MiB buffer: the one output file type of detkit
/// (the COCO exporter and the NPY / safetensors writers use it).
///
/// The rules:
/// - **A regular file (new or existing) is replaced atomically.** The bytes go to a temporary
///   file next to the target (`<path>.tmp-<pid>-<random>`, created `O_EXCL | O_CLOEXEC`, mode
///   0644), which ``commit()`` renames over the target once everything is written, so readers
///   never see half a file and a failed write leaves the old file as it was.
/// - **`-` is standard output**, written in place (never closed).
/// - **An existing non-regular file** (`/dev/null`, `/dev/stdout`, a FIFO) cannot be
///   replaced: it is opened for writing and written in place.
/// - **Without `commit()`** (an error was thrown, or the value was dropped), `deinit` closes
///   and removes the temporary file: nothing reaches the target.
/// - **Interrupted or killed:** the temporary file is pending in ``PendingOutputs`` until it
///   is renamed or removed, so the CLI's SIGINT / SIGTERM handler removes it; leftovers of a
///   killed run (`<path>.tmp-<pid>-*` of a process that is gone) are removed when the next
///   `OutputFile` for `path` opens.
///
/// Not `Sendable`: one writer owns it.
package final class OutputFile {
  /// The target path as given.
  package let path: String
  private var fd: Int32
  /// The temporary file renamed over `path` by `commit()`, or `nil` when writing in place.
  private let temporary: String?
  private let ownsDescriptor: Bool
  private var buffer: [UInt8] = []
  private var committed = false

  private static let capacity = 1 << 20

  /// Opens `path` for writing (see the rules above).
  ///
  /// - Throws: ``SystemCallError`` from `open` (for example `ENOENT` when the folder does not
  ///   exist).
  package init(path: String) throws(SystemCallError) {
    self.path = path
    if path == "-" {
      fd = STDOUT_FILENO
      temporary = nil
      ownsDescriptor = false
    } else if Self.isExistingNonRegularFile(path) {
      fd = try valueOrErrno("open") { open(path, O_WRONLY | O_CLOEXEC) }
      temporary = nil
      ownsDescriptor = true
    } else {
      PendingOutputs.removeStale(near: path)
      let name = PendingOutputs.temporaryName(for: path)
      PendingOutputs.add(name)
      do {
        fd = try valueOrErrno("open") {
          open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
      } catch {
        PendingOutputs.forget(name)
        throw error
      }
      temporary = name
      ownsDescriptor = true
    }
    buffer.reserveCapacity(Self.capacity)
  }

  deinit {
    guard !committed else { return }
    if ownsDescriptor {
      if let temporary {
        close(fd)
        unlink(temporary)
        PendingOutputs.forget(temporary)
      } else {
        try? flush()
        close(fd)
      }
    } else {
      try? flush()
    }
  }

  /// Appends `bytes`; writes straight through when they would not fit in the buffer.
  package func write(_ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
    precondition(!committed, "write to \(path) after commit()")
    if buffer.count + bytes.count > Self.capacity {
      try flush()
      if bytes.count >= Self.capacity {
        try writeAll(bytes)
        return
      }
    }
    buffer.append(contentsOf: bytes)
  }

  /// Appends the UTF-8 bytes of `text`.
  package func write(_ text: String) throws(SystemCallError) {
    precondition(!committed, "write to \(path) after commit()")
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= Self.capacity { try flush() }
  }

  /// Appends one byte (flushed by the next `write` or `commit()`).
  package func write(byte: UInt8) { buffer.append(byte) }

  /// Writes out what is buffered.
  package func flush() throws(SystemCallError) {
    guard !buffer.isEmpty else { return }
    let failure = buffer.withUnsafeBytes { (raw) -> SystemCallError? in
      do throws(SystemCallError) { try writeAll(raw) } catch { return error }
      return nil
    }
    if let failure { throw failure }
    buffer.removeAll(keepingCapacity: true)
  }

  /// Flushes, closes and (for a regular file) renames the temporary file over the target.
  ///
  /// - Throws: ``SystemCallError`` from `write`, `close` or `rename`; the temporary file is
  ///   then removed and the target left as it was.
  package func commit() throws(SystemCallError) {
    precondition(!committed, "commit() of \(path) twice")
    try flush()
    guard ownsDescriptor else {
      committed = true
      return
    }
    committed = true
    let descriptor = fd
    fd = -1
    defer { if let temporary { PendingOutputs.forget(temporary) } }
    do {
      try nothingOrErrno("close", retryOnInterrupt: false) { close(descriptor) }
      if let temporary {
        try nothingOrErrno("rename") { PendingOutputs.rename(temporary, to: path) }
      }
    } catch {
      if let temporary { unlink(temporary) }
      throw error
    }
  }

  private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
    guard let base = bytes.baseAddress else { return }
    var offset = 0
    while offset < bytes.count {
      let descriptor = fd
      offset += try valueOrErrno("write") {
        writeBytes(descriptor, base + offset, bytes.count - offset)
      }
    }
  }

  private static func isExistingNonRegularFile(_ path: String) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0 else { return false }
    return (info.st_mode & S_IFMT) != S_IFREG
  }
}

/// `write(2)`, out of reach of ``OutputFile``'s own `write` methods.
private func writeBytes(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
  write(fd, bytes, count)
}
