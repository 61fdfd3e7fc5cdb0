#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A read-only private memory mapping of a whole file; unmapped in `deinit`. The one
/// memory-mapped file type of detkit (the COCO importers and the tensor readers use it).
///
/// The rules, the same for every reader:
/// - **Descriptors** are opened with `O_CLOEXEC` (a child process never inherits them) and
///   closed before `init` returns; the mapping outlives the descriptor.
/// - **Only regular files are mapped.** ``init(path:sequential:)`` opens with `O_NONBLOCK`,
///   so a FIFO is refused at once instead of waiting for a writer; a FIFO, a directory, a
///   device or a socket throws ``MappedFileError/notRegularFile(path:)``.
///   ``contents(of:)`` instead reads such inputs to the end (a pipe, `/dev/stdin`): it opens
///   without `O_NONBLOCK`, so a named FIFO waits for its writer as a reader should, and a
///   directory fails its first `read` with `EISDIR`.
/// - **An empty file** maps to `count == 0` and a valid, never-dereferenced `base` (a
///   zero-length `mmap` is an error); whether empty input is acceptable is the format's call.
/// - **A missing or unreadable file** throws ``MappedFileError/system(_:)`` with the failed
///   call (`open`) and its `errno`.
///
/// `@unchecked Sendable`: the mapping is `PROT_READ` and never changes; ``release(before:)``
/// is called by the one thread that parses (other threads only read bytes, which re-fault from
/// the file). If another process truncates the file while it is mapped, reading the lost pages
/// raises SIGBUS; that is the price of not copying.
package final class MappedFile: @unchecked Sendable {
  /// The path as given to `init`.
  package let path: String
  /// The first byte (page-aligned when `count > 0`).
  package let base: UnsafePointer<UInt8>
  /// The file size in bytes (0 for an empty file).
  package let count: Int
  private let mapping: UnsafeMutableRawPointer?
  private var released = 0

  /// The mapped bytes.
  package var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

  /// Maps the regular file at `path`.
  ///
  /// - Parameters:
  ///   - path: the file.
  ///   - sequential: advise the kernel that the bytes are read front to back (more
  ///     read-ahead); leave it off for random access.
  /// - Throws: ``MappedFileError``: `.system` for a failed `open`, `fstat` or `mmap`;
  ///   `.notRegularFile` for anything else than a regular file (never blocks on a FIFO).
  /// - Complexity: O(1); pages load on first touch.
  package init(path: String, sequential: Bool = false) throws(MappedFileError) {
    let fd: Int32
    do {
      // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever,
      // before the regular-file check below could refuse it. It changes nothing for files.
      fd = try valueOrErrno("open") { open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
    } catch {
      throw .system(error)
    }
    defer { close(fd) }
    let size = try Self.regularFileSize(fd)
    guard let size else { throw .notRegularFile(path: path) }
    (mapping, base, count) = try Self.map(fd, size: size, sequential: sequential)
    self.path = path
  }

  private init(
    path: String, fd: Int32, size: Int, sequential: Bool
  ) throws(MappedFileError) {
    (mapping, base, count) = try Self.map(fd, size: size, sequential: sequential)
    self.path = path
  }

  deinit {
    if let mapping {
      munmap(mapping, count)
    } else {
      UnsafeMutablePointer(mutating: base).deallocate()
    }
  }

  /// The contents of a file: a mapping of a regular file, or the bytes read from anything
  /// else (a pipe, `/dev/stdin`).
  package enum Contents {
    case mapped(MappedFile)
    case read([UInt8])
  }

  /// Maps `path` when it is a regular file; reads it to the end otherwise.
  ///
  /// - Throws: ``MappedFileError/system(_:)`` naming the failed call (`open`, `fstat`,
  ///   `mmap`, `read`; a directory fails `read` with `EISDIR`).
  /// - Complexity: O(1) for a regular file (pages load on first touch), O(n) otherwise.
  package static func contents(of path: String) throws(MappedFileError) -> Contents {
    let fd: Int32
    do {
      fd = try valueOrErrno("open") { open(path, O_RDONLY | O_CLOEXEC) }
    } catch {
      throw .system(error)
    }
    defer { close(fd) }
    guard let size = try regularFileSize(fd) else {
      do { return .read(try readToEnd(fd)) } catch { throw .system(error) }
    }
    return .mapped(try MappedFile(path: path, fd: fd, size: size, sequential: false))
  }

  /// Drops the whole pages before `offset` from memory (they are re-read from the file if
  /// touched again).
  package func release(before offset: Int) {
    guard let mapping else { return }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let end = (offset / page) * page
    guard end > released else { return }
    _ = madvise(mapping + released, end - released, MADV_DONTNEED)
    released = end
  }

  /// The size of the regular file open as `fd`, or `nil` when it is something else.
  private static func regularFileSize(_ fd: Int32) throws(MappedFileError) -> Int? {
    var info = stat()
    do { try nothingOrErrno("fstat") { fstat(fd, &info) } } catch { throw .system(error) }
    return (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
  }

  private static func map(
    _ fd: Int32, size: Int, sequential: Bool
  ) throws(MappedFileError) -> (UnsafeMutableRawPointer?, UnsafePointer<UInt8>, Int) {
    if size == 0 {
      // A valid, never-dereferenced pointer for an empty file.
      return (nil, UnsafePointer(UnsafeMutablePointer<UInt8>.allocate(capacity: 1)), 0)
    }
    guard let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), pointer != MAP_FAILED
    else { throw .system(.current("mmap")) }
    if sequential { _ = madvise(pointer, size, MADV_SEQUENTIAL) }
    return (pointer, UnsafePointer(pointer.assumingMemoryBound(to: UInt8.self)), size)
  }
}

/// Why a file could not be mapped or read.
package enum MappedFileError: Error, Sendable, Hashable {
  /// A system call failed (`open`, `fstat`, `mmap`, `read`).
  case system(SystemCallError)
  /// The path names a FIFO, directory, device or socket, which ``MappedFile/init(path:sequential:)``
  /// does not open.
  case notRegularFile(path: String)
}
