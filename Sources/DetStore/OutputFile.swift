#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file opened for writing with a 1 MiB buffer; closed in `deinit` (call `close()` to see
/// write errors).
final class OutputFile {
  let path: String
  private var fd: Int32
  private var buffer: [UInt8] = []
  private let ownsDescriptor: Bool

  /// Creates or truncates `path`; `-` writes to standard output.
  init(path: String) throws {
    self.path = path
    if path == "-" {
      fd = STDOUT_FILENO
      ownsDescriptor = false
    } else {
      fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      guard fd >= 0 else {
        throw StoreError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
      }
      ownsDescriptor = true
    }
    buffer.reserveCapacity(1 << 20)
  }

  deinit {
    if fd >= 0 {
      try? flush()
      if ownsDescriptor { Glibc.close(fd) }
    }
  }

  func write(_ text: String) throws {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= 1 << 20 { try flush() }
  }

  func write(byte: UInt8) { buffer.append(byte) }

  func flush() throws {
    var offset = 0
    while offset < buffer.count {
      let written = buffer.withUnsafeBytes { raw in
        Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
      }
      guard written > 0 else {
        if written < 0, errno == EINTR { continue }
        throw StoreError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
      }
      offset += written
    }
    buffer.removeAll(keepingCapacity: true)
  }

  /// Flushes and closes, reporting errors.
  func close() throws {
    try flush()
    if ownsDescriptor {
      guard Glibc.close(fd) == 0 else {
        fd = -1
        throw StoreError(.io, "cannot close \(path): \(String(cString: strerror(errno)))")
      }
    }
    fd = -1
  }
}
