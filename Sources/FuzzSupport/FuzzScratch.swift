import Foundation
import Synchronization

/// A per-process scratch folder for harnesses whose reader takes a path, not bytes: in
/// `/dev/shm` when there is one (no disk writes per input), else the temporary directory.
/// Named `detkit-fuzz-<harness>-<pid>`; removed at the end of `FuzzDriver.run` (a normal
/// build), by tools/fuzz.sh after a libFuzzer run.
public struct FuzzScratch: Sendable {
  /// Every folder this process made.
  static let created = Mutex<[URL]>([])

  /// Removes every folder this process made.
  static func removeAll() {
    for url in created.withLock({ $0 }) { try? FileManager.default.removeItem(at: url) }
  }

  /// The folder.
  public let url: URL

  /// Creates a fresh folder named after the harness.
  public init(_ harness: String) {
    let shm = URL(fileURLWithPath: "/dev/shm")
    let base =
      FileManager.default.isWritableFile(atPath: shm.path)
      ? shm : FileManager.default.temporaryDirectory
    url = base.appendingPathComponent("detkit-fuzz-\(harness)-\(getpid())")
    try? FileManager.default.removeItem(at: url)
    do {
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
      fatalError("cannot create the fuzz scratch folder \(url.path): \(error)")
    }
    FuzzScratch.created.withLock { [url] in $0.append(url) }
  }

  /// Writes `bytes` to `name` inside the folder (replacing it) and returns its path.
  @discardableResult
  public func write(_ bytes: UnsafePointer<UInt8>?, _ size: Int, to name: String) -> String {
    let file = url.appendingPathComponent(name)
    let data = bytes.map { Data(bytes: $0, count: size) } ?? Data()
    do {
      try data.write(to: file)
    } catch {
      fatalError("cannot write \(file.path): \(error)")
    }
    return file.path
  }
}
