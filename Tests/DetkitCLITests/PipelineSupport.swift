import Foundation
import Testing

/// Independent re-computations for the dataset pipeline tests: the demo fixture parsed
/// here, torchvision's resize re-derived from its formula, anchors taken from
/// `detkit anchors --format csv` and IoU computed pair by pair.
enum Demo {
  struct Annotation {
    var imageID: Int
    var categoryID: Int
    var box: [Float]  // xyxy in stored pixels
    var crowd: Bool
  }

  struct Image {
    var id: Int
    var width: Int
    var height: Int
  }

  static var root: URL {
    var url = URL(fileURLWithPath: #filePath)
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path)
    {
      url.deleteLastPathComponent()
    }
    return url
  }

  static var fixture: URL { root.appendingPathComponent("fixtures/demo/instances.json") }

  /// Images, annotations (in file order) and category ids (ascending).
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
    let categories = (json["categories"] as! [[String: Any]]).map { $0["id"] as! Int }.sorted()
    return (images, annotations, categories)
  }

  /// A fresh store holding the demo as dataset "demo".
  static func store() throws -> (db: String, dir: URL) {
    let dir = try NPYBytes.temporaryDirectory()
    let db = dir.appendingPathComponent("demo.sqlite").path
    let r = try CLI.run(["import", "coco", fixture.path, "--db", db, "--name", "demo"])
    #expect(r.status == 0, "\(r.stderr)")
    return (db, dir)
  }

  /// torchvision `GeneralizedRCNNTransform` (800 / 1333, pad 32): resized and canvas sizes
  /// (height, width) and the box scale factors.
  static func resize(_ image: Image) -> (
    resized: (Int, Int), canvas: (Int, Int), rx: Float, ry: Float
  ) {
    let (h, w) = (Double(image.height), Double(image.width))
    let scale = min(800 / min(h, w), 1333 / max(h, w))
    let nh = Int((h * scale).rounded(.down))
    let nw = Int((w * scale).rounded(.down))
    return (
      (nh, nw), ((nh + 31) / 32 * 32, (nw + 31) / 32 * 32), Float(nw) / Float(w),
      Float(nh) / Float(h)
    )
  }

  /// Anchors of a preset on a canvas, with each one's level name, from the CSV dump.
  static func anchors(preset: String, height: Int, width: Int) throws -> (
    boxes: [[Float]], levels: [String]
  ) {
    let r = try CLI.run([
      "anchors", "--preset", preset, "--image", "\(height)x\(width)", "--compat", "torchvision",
      "--format", "csv",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    var boxes: [[Float]] = []
    var levels: [String] = []
    for line in r.stdout.split(separator: "\n").dropFirst() {
      let f = line.split(separator: ",")
      levels.append(String(f[0]))
      boxes.append(f[4...7].map { Float($0)! })
    }
    return (boxes, levels)
  }

  /// torchvision `box_iou` for one pair, in Float.
  static func iou(_ a: [Float], _ b: [Float]) -> Float {
    let w = max(min(a[2], b[2]) - max(a[0], b[0]), 0)
    let h = max(min(a[3], b[3]) - max(a[1], b[1]), 0)
    let inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)
  }

  /// torchvision `Matcher(high, low, allow_low_quality_matches=True)` over a dense matrix.
  static func match(_ gt: [[Float]], _ anchors: [[Float]], high: Float, low: Float) -> (
    matches: [Int], best: [Float]
  ) {
    let iou = gt.map { g in anchors.map { Demo.iou(g, $0) } }
    var best = [Float](repeating: 0, count: gt.count)
    for j in gt.indices { best[j] = iou[j].max() ?? 0 }
    var matches = [Int](repeating: -1, count: anchors.count)
    var original = matches
    for i in anchors.indices {
      var v: Float = -1
      var arg = 0
      for j in gt.indices where iou[j][i] > v {
        v = iou[j][i]
        arg = j
      }
      original[i] = arg
      matches[i] = v >= high ? arg : (v >= low ? -2 : -1)
    }
    for j in gt.indices {
      for i in anchors.indices where iou[j][i] == best[j] { matches[i] = original[i] }
    }
    return (matches, best)
  }

  /// The float32 elements of an NPY file.
  static func readFloat32(_ data: Data) -> [Float]? {
    guard data.count > 10, data.prefix(6) == Data([0x93]) + Data("NUMPY".utf8) else { return nil }
    let headerLength = Int(data[data.startIndex + 8]) | Int(data[data.startIndex + 9]) << 8
    let header = String(
      decoding: data[(data.startIndex + 10)..<(data.startIndex + 10 + headerLength)], as: UTF8.self)
    guard header.contains("'<f4'") else { return nil }
    let body = data.suffix(from: data.startIndex + 10 + headerLength)
    return body.withUnsafeBytes { raw in
      (0..<(raw.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
    }
  }
}
