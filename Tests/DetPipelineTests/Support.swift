import DetGeometry
import DetStore
import DetTestSupport
import Foundation
import Testing

/// The demo fixture, parsed here (not through detkit), and a fresh store holding it.
enum Demo {
  struct Annotation {
    var imageID: Int
    var categoryID: Int
    /// xyxy in stored pixels.
    var box: [Float]
    var crowd: Bool
  }

  struct Image {
    var id: Int
    var width: Int
    var height: Int
  }

  static var fixture: URL {
    var url = URL(fileURLWithPath: #filePath)
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path)
    {
      url.deleteLastPathComponent()
    }
    return url.appendingPathComponent("fixtures/demo/instances.json")
  }

  /// Images and annotations in file order, category ids in file order.
  static func load() throws -> (images: [Image], annotations: [Annotation], categories: [Int]) {
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: fixture)) as? [String: Any])
    let images = (json["images"] as! [[String: Any]]).map {
      Image(id: $0["id"] as! Int, width: $0["width"] as! Int, height: $0["height"] as! Int)
    }
    let annotations = (json["annotations"] as! [[String: Any]]).map { a -> Annotation in
      let b = (a["bbox"] as! [Double])
      return Annotation(
        imageID: a["image_id"] as! Int, categoryID: a["category_id"] as! Int,
        box: [Float(b[0]), Float(b[1]), Float(b[0] + b[2]), Float(b[1] + b[3])],
        crowd: (a["iscrowd"] as? Int ?? 0) == 1)
    }
    let categories = (json["categories"] as! [[String: Any]]).map { $0["id"] as! Int }
    return (images, annotations, categories)
  }

  /// torchvision's `GeneralizedRCNNTransform` (800 / 1333, pad 32) from its formula:
  /// resized and canvas sizes.
  static func torchvisionResize(_ image: Image) -> (resized: ImageSize, canvas: ImageSize) {
    let (h, w) = (Double(image.height), Double(image.width))
    let scale = min(800 / min(h, w), 1333 / max(h, w))
    let nh = Int((h * scale).rounded(.down))
    let nw = Int((w * scale).rounded(.down))
    return (
      ImageSize(height: nh, width: nw),
      ImageSize(height: (nh + 31) / 32 * 32, width: (nw + 31) / 32 * 32)
    )
  }
}

/// A temporary folder holding a store with the demo imported as dataset "demo"; removed
/// when released.
final class DemoStore {
  let directory: URL
  let db: String

  init() throws {
    directory = TestTemporaryRoot.url
      .appendingPathComponent("detkit-pipeline-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    db = directory.appendingPathComponent("demo.sqlite").path
    let store = try AnnotationStore(path: db)
    _ = try COCOImporter(path: Demo.fixture.path).importDataset(into: store, named: "demo")
  }

  func path(_ name: String) -> URL { directory.appendingPathComponent(name) }

  deinit { try? FileManager.default.removeItem(at: directory) }
}
