import Foundation

/// A per-process scratch folder for harnesses whose reader takes a path, not bytes: in
/// `/dev/shm` when there is one (no disk writes per input), else the temporary directory.
/// Named `detkit-fuzz-<harness>-<pid>`; tools/fuzz.sh removes it after the run.
public struct FuzzScratch: Sendable {
  /// The folder.
  public let url: URL

  /// Creates a fresh folder named after the harness.
  public init(_ harness: String) {
    let shm = URL(fileURLWithPath: "/dev/shm")
    let base = FileManager.default.isWritableFile(atPath: shm.path)
      ? shm : FileManager.default.temporaryDirectory
    url = base.appendingPathComponent("detkit-fuzz-\(harness)-\(getpid())")
    try? FileManager.default.removeItem(at: url)
    do {
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
      fatalError("cannot create the fuzz scratch folder \(url.path): \(error)")
    }
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
