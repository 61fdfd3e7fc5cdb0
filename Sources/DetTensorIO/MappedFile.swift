import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A read-only private memory mapping of a whole file, unmapped when the last tensor that
/// views it goes away.
///
/// `@unchecked Sendable`: the mapping is `PROT_READ` and never changes after `init`, so
/// sharing it across threads is safe. If another process truncates the file while it is
/// mapped, reading the lost pages raises SIGBUS; that is the price of not copying.
final class MappedFile: @unchecked Sendable {
  /// The first byte of the mapping (page-aligned).
  let base: UnsafeRawPointer
  /// The file size in bytes (> 0).
  let count: Int

  /// The mapped bytes.
  var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

  private init(base: UnsafeRawPointer, count: Int) {
    self.base = base
    self.count = count
  }

  deinit {
    munmap(UnsafeMutableRawPointer(mutating: base), count)
  }

  /// The contents of a file: a mapping of a regular file, or the bytes read from anything
  /// else (a pipe, `/dev/stdin`).
  enum Contents {
    case mapped(MappedFile)
    case read([UInt8])
  }

  /// Opens `path` and maps it read-only; reads it instead when it is not a regular file.
  ///
  /// - Throws: `TensorIOError` with `.io` naming the failed call, or `.truncated` for an
  ///   empty file (a zero-length file cannot be mapped and holds no format anyway).
  /// - Complexity: O(1) for a regular file (pages load on first touch), O(n) otherwise.
  static func open(path: String, displayName: String) throws(TensorIOError) -> Contents {
    func fail(_ operation: String) -> TensorIOError {
      TensorIOError(file: displayName, problem: .io(operation: operation, errno: errno))
    }
    let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw fail("open") }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw fail("fstat") }
    guard (info.st_mode & S_IFMT) == S_IFREG else { return .read(try readAll(fd, displayName)) }
    let size = Int(info.st_size)
    guard size > 0 else {
      throw TensorIOError(
        file: displayName, problem: .truncated(at: 0, needed: 1, what: "an empty file"))
    }
    let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
    guard let address, address != MAP_FAILED else { throw fail("mmap") }
    return .mapped(MappedFile(base: UnsafeRawPointer(address), count: size))
  }

  private static func readAll(_ fd: Int32, _ displayName: String) throws(TensorIOError) -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        throw TensorIOError(file: displayName, problem: .io(operation: "read", errno: errno))
      }
      if n == 0 { return result }
      result.append(contentsOf: chunk[0..<n])
    }
  }
}
