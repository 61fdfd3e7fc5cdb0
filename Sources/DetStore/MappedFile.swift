#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A read-only memory mapping of a whole file; unmapped in `deinit`.
///
/// Streaming readers call `release(before:)` as they go so that the pages they are done
/// with leave the resident set: memory stays bounded by the window being parsed, not by the
/// file size.
/// `@unchecked Sendable`: the mapping is immutable; `release(before:)` is called by the one
/// thread that parses (other threads only read bytes, which re-fault from the file).
final class MappedFile: @unchecked Sendable {
  let path: String
  let bytes: UnsafePointer<UInt8>
  let count: Int
  private let mapping: UnsafeMutableRawPointer?
  private var released = 0

  /// Maps `path`.
  /// - Throws: `StoreError` `.io` naming the file and the system's reason.
  init(path: String) throws {
    self.path = path
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever,
    // before the regular-file check below could refuse it. It changes nothing for files.
    let fd = open(path, O_RDONLY | O_NONBLOCK)
    guard fd >= 0 else {
      throw StoreError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      throw StoreError(.io, "cannot stat \(path): \(String(cString: strerror(errno)))")
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw StoreError(.io, "\(path) is not a regular file")
    }
    count = Int(info.st_size)
    if count == 0 {
      mapping = nil
      // A valid, never-dereferenced pointer for an empty file.
      bytes = UnsafePointer(UnsafeMutablePointer<UInt8>.allocate(capacity: 1))
      return
    }
    guard let pointer = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), pointer != MAP_FAILED
    else {
      throw StoreError(.io, "cannot map \(path): \(String(cString: strerror(errno)))")
    }
    _ = madvise(pointer, count, MADV_SEQUENTIAL)
    mapping = pointer
    bytes = UnsafePointer(pointer.assumingMemoryBound(to: UInt8.self))
  }

  deinit {
    if let mapping {
      munmap(mapping, count)
    } else {
      UnsafeMutablePointer(mutating: bytes).deallocate()
    }
  }

  /// Drops the whole pages before `offset` from memory (they are re-read from the file if
  /// touched again).
  func release(before offset: Int) {
    guard let mapping else { return }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let end = (offset / page) * page
    guard end > released else { return }
    _ = madvise(mapping + released, end - released, MADV_DONTNEED)
    released = end
  }
}
