import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes a file in one piece: the bytes go to a temporary file next to the target, which is
/// renamed over it only once everything is written, so readers never see half a file.
enum AtomicFile {
  /// Writes to `url` every chunk that `chunks` emits, in order.
  ///
  /// - Throws: `TensorIOError` `.io` naming the failed call; the temporary file is removed.
  /// - Complexity: O(total bytes).
  static func write(
    to url: URL,
    chunks: (_ emit: (UnsafeRawBufferPointer) throws(TensorIOError) -> Void) throws(TensorIOError)
      -> Void
  ) throws(TensorIOError) {
    let path = url.path
    let name = url.lastPathComponent
    let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = Foundation.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw TensorIOError(file: name, problem: .io(operation: "open", errno: errno))
    }
    var closed = false
    defer {
      if !closed { close(fd) }
    }
    do throws(TensorIOError) {
      try chunks { (bytes) throws(TensorIOError) in
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
          let n = Foundation.write(fd, base + offset, bytes.count - offset)
          if n < 0 {
            if errno == EINTR { continue }
            throw TensorIOError(file: name, problem: .io(operation: "write", errno: errno))
          }
          offset += n
        }
      }
      closed = true
      guard close(fd) == 0 else {
        throw TensorIOError(file: name, problem: .io(operation: "close", errno: errno))
      }
      guard rename(temporary, path) == 0 else {
        throw TensorIOError(file: name, problem: .io(operation: "rename", errno: errno))
      }
    } catch {
      unlink(temporary)
      throw error
    }
  }
}
