import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The temporary outputs (files and folders) this process is writing and has not yet
/// renamed into place: what an interrupted run must remove so that it leaves nothing behind.
///
/// Temporary outputs are named `<target>.tmp-<pid>-<random>` (``temporaryName(for:)``).
/// - **Interrupted** (SIGINT, SIGTERM): the CLI's signal handler calls
///   ``removeAll(interrupting:)``.
/// - **Killed** (SIGKILL, a crash): nothing runs, so the next run that writes `<target>`
///   calls ``removeStale(near:)`` first, which removes every `<target>.tmp-<pid>-<random>`
///   whose process is gone.
///
/// Thread-safe: registration and removal take one lock.
package enum PendingOutputs {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var paths: Set<String> = []
  /// Set by ``removeAll(interrupting:)``: the process is ending and its outputs are gone.
  nonisolated(unsafe) private static var interrupted = false

  /// A fresh temporary name next to `target`: `<target>.tmp-<pid>-<random 32-bit>`.
  package static func temporaryName(for target: String) -> String {
    target + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
  }

  /// Records `path` (a temporary file or folder) as pending.
  package static func add(_ path: String) {
    lock.withLock { _ = paths.insert(path) }
  }

  /// Forgets `path` (renamed into place, or already removed).
  package static func forget(_ path: String) {
    lock.withLock { _ = paths.remove(path) }
  }

  /// The pending paths, sorted.
  package static var pending: [String] { lock.withLock { paths.sorted() } }

  /// Renames the pending `temporary` over `target` (`rename(2)`'s result, `errno` set on
  /// failure) and forgets it. After ``removeAll(interrupting:)`` it never returns: the process is being
  /// ended by the interrupt handler, and a run whose outputs were removed must not go on to
  /// put one in place.
  package static func rename(_ temporary: String, to target: String) -> Int32 {
    lock.lock()
    defer { lock.unlock() }
    if interrupted {
      lock.unlock()
      while true { pause() }
    }
    let result = systemRename(temporary, target)
    paths.remove(temporary)
    return result
  }

  /// Removes every pending file and folder (folders with their contents) and forgets them;
  /// with `interrupting`, ``rename(_:to:)`` blocks from then on. For a signal handler that
  /// then ends the process: outputs still being written are removed under their writers,
  /// and none can be renamed into place after.
  package static func removeAll(interrupting: Bool = true) {
    lock.lock()
    defer { lock.unlock() }
    if interrupting { interrupted = true }
    for path in paths { removeTree(path) }
    paths = []
  }

  /// Removes the leftovers of killed runs next to `target`: entries of its folder named
  /// `<target's name>.tmp-<pid>-<digits>` whose process `pid` no longer exists (or is this
  /// process but not pending here). Entries of live processes are left alone.
  ///
  /// - Returns: the paths removed.
  /// - Complexity: O(entries of `target`'s folder).
  @discardableResult
  package static func removeStale(near target: String) -> [String] {
    let url = URL(fileURLWithPath: target)
    let folder = url.deletingLastPathComponent().path
    let prefix = url.lastPathComponent + ".tmp-"
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
      return []
    }
    let own = Set(pending)
    var removed: [String] = []
    for name in names where name.hasPrefix(prefix) {
      let parts = name.dropFirst(prefix.count).split(separator: "-")
      guard parts.count == 2, let pid = Int32(parts[0]), pid > 0, UInt32(parts[1]) != nil
      else { continue }
      let path = (folder as NSString).appendingPathComponent(name)
      let alive = pid == getpid() ? own.contains(path) : isRunning(pid)
      guard !alive else { continue }
      removeTree(path)
      removed.append(path)
    }
    return removed
  }

  /// Whether process `pid` exists (it may belong to another user).
  private static func isRunning(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
  }

  /// Removes a file, or a folder with everything in it; never follows a symbolic link.
  private static func removeTree(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
        removeTree((path as NSString).appendingPathComponent(name))
      }
      rmdir(path)
    } else {
      unlink(path)
    }
  }
}

/// `rename(2)`, out of reach of ``PendingOutputs/rename(_:to:)``.
private func systemRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }
