import DetStore
import DetTestSupport
import Foundation

/// Paths of the repository's fixtures and of the shared real-data samples, found from this
/// file's location so tests run from any working directory.
enum FormatFixtures {
  /// The package root (the folder holding `Package.swift`).
  static let root: URL = {
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while dir.path != "/" {
      if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
        return dir
      }
      dir = dir.deletingLastPathComponent()
    }
    fatalError("Package.swift not found above \(#filePath)")
  }()

  /// `fixtures/<relative>`.
  static func fixture(_ relative: String) -> URL {
    root.appendingPathComponent("fixtures").appendingPathComponent(relative)
  }

  /// `shared/datasets` beside the package root or beside one of its ancestors (a git
  /// worktree sits one level deeper than the main checkout): the real annotation samples,
  /// absent on some machines.
  static let datasets: URL = {
    var dir = root.deletingLastPathComponent()
    while dir.path != "/" {
      let candidate = dir.appendingPathComponent("shared/datasets")
      if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
      dir = dir.deletingLastPathComponent()
    }
    return root.deletingLastPathComponent().appendingPathComponent("shared/datasets")
  }()

  /// `../shared/datasets/<name>`.
  static func dataset(_ name: String) -> URL { datasets.appendingPathComponent(name) }

  /// True when `../shared/datasets/<name>` exists; tests that need it are skipped otherwise.
  static func hasDataset(_ name: String) -> Bool {
    FileManager.default.fileExists(atPath: dataset(name).path)
  }

  /// A fresh empty temporary directory.
  static func temporaryDirectory() throws -> URL {
    let dir = TestTemporaryRoot.url
      .appendingPathComponent("detkit-formats-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }

  /// The records of a golden image-size file written by `tools/golden_image_sizes.py`.
  struct GoldenImage: Decodable {
    var file: String
    var format: String
    var width: Int
    var height: Int
    var orientation: Int?
  }

  static func goldenImages(_ name: String) throws -> [GoldenImage] {
    struct File: Decodable { var images: [GoldenImage] }
    let data = try Data(contentsOf: fixture("golden/\(name)"))
    return try JSONDecoder().decode(File.self, from: data).images
  }
}

/// One stored box with its image file name and category name, for comparing datasets that
/// number their records differently.
struct NamedBox: Hashable, CustomStringConvertible {
  var file: String
  var category: String
  var x: Double
  var y: Double
  var width: Double
  var height: Double

  var description: String { "\(file) \(category) [\(x), \(y), \(width), \(height)]" }

  /// True when every coordinate is within `tolerance` pixels.
  func matches(_ other: NamedBox, tolerance: Double) -> Bool {
    file == other.file && category == other.category && abs(x - other.x) <= tolerance
      && abs(y - other.y) <= tolerance && abs(width - other.width) <= tolerance
      && abs(height - other.height) <= tolerance
  }
}

extension FormatFixtures {
  /// Every box of dataset `name`, sorted by file, category and coordinates.
  static func namedBoxes(_ store: AnnotationStore, _ name: String) throws -> [NamedBox] {
    var categories: [RecordID: String] = [:]
    try store.forEachCategory(in: name) { categories[$0.id] = $0.name }
    var files: [RecordID: String] = [:]
    try store.forEachImage(in: name) { files[$0.id] = $0.fileName }
    var boxes: [NamedBox] = []
    try store.forEachAnnotation(in: name) { a in
      boxes.append(
        NamedBox(
          file: files[a.imageID]!, category: categories[a.categoryID]!, x: a.x, y: a.y,
          width: a.width, height: a.height))
    }
    return boxes.sorted {
      ($0.file, $0.category, $0.x, $0.y, $0.width, $0.height)
        < ($1.file, $1.category, $1.x, $1.y, $1.width, $1.height)
    }
  }
}
