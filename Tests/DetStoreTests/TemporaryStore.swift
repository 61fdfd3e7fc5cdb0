import DetGeometry
import DetTestSupport
import Foundation

@testable import DetStore

/// The seeded generator of the property tests: the project's SplitMix64.
typealias SplitMix64 = SyntheticBoxes.SplitMix64

/// A store in a fresh temporary directory, removed when the value is released.
final class TemporaryStore {
  let directory: URL
  let path: String
  private(set) var store: AnnotationStore?

  init() throws {
    directory = TestTemporaryRoot.url
      .appendingPathComponent("detkit-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    path = directory.appendingPathComponent("test.sqlite").path
    store = try AnnotationStore(path: path)
  }

  var opened: AnnotationStore { store! }

  /// Closes the connection (checkpointing the WAL) so the file can be compared byte for byte.
  func close() { store = nil }

  func reopen() throws { store = try AnnotationStore(path: path) }

  deinit { try? FileManager.default.removeItem(at: directory) }
}

/// The path of a file under the package root.
func packageFile(_ relative: String) -> URL {
  var url = URL(fileURLWithPath: #filePath)
  while url.path != "/" {
    url.deleteLastPathComponent()
    if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
      return url.appendingPathComponent(relative)
    }
  }
  fatalError("Package.swift not found above \(#filePath)")
}
