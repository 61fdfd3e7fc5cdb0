import Foundation

/// The one folder every test process writes its temporary files under.
///
/// Each test process gets `detkit-tests-<pid>-<uuid>` in the system temporary directory on
/// first use and removes it, with everything in it, when the process exits normally — so a
/// test run leaves nothing in `/tmp` even when a test forgets to clean up or fails half way
/// (stores of several hundred megabytes were left behind before). A run that is killed still
/// leaves its folder; `removeLeftovers()` deletes folders of processes that no longer exist.
public enum TestTemporaryRoot {
  /// The folder, created on first use.
  public static let url: URL = {
    removeLeftovers()
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("\(prefix)\(getpid())-\(UUID().uuidString)")
    do {
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
      fatalError("cannot create the tests' temporary folder \(url.path): \(error)")
    }
    atexit { try? FileManager.default.removeItem(at: TestTemporaryRoot.url) }
    return url
  }()

  /// A fresh, empty folder inside `url` whose name starts with `name`.
  public static func directory(_ name: String) throws -> URL {
    let directory = url.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
  }

  /// A path inside `url` for a file named `name`, followed by a unique suffix and `suffix`
  /// (for example `.npy`); nothing is created.
  public static func file(_ name: String, suffix: String = "") -> URL {
    url.appendingPathComponent("\(name)-\(UUID().uuidString)\(suffix)")
  }

  private static let prefix = "detkit-tests-"

  /// Removes the folders of earlier test processes that are no longer running (killed runs).
  static func removeLeftovers() {
    let temporary = FileManager.default.temporaryDirectory
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporary.path) else {
      return
    }
    for name in names where name.hasPrefix(prefix) {
      let rest = name.dropFirst(prefix.count)
      guard let pid = rest.split(separator: "-").first.flatMap({ Int32($0) }), pid != getpid()
      else { continue }
      if kill(pid, 0) != 0 && errno == ESRCH {
        try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
      }
    }
  }
}
