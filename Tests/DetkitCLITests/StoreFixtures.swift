import DetGeometry
import DetStore
import DetTestSupport
import Foundation
import Testing

/// Generated COCO files, child processes and store checks shared by the crash-safety and
/// concurrency tests.
enum StoreFixtures {
  /// The package root: the nearest folder above this file holding Package.swift.
  static let packageRoot: URL = {
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path)
    {
      dir = dir.deletingLastPathComponent()
    }
    return dir
  }()

  /// fixtures/demo/instances.json: 12 images, 47 annotations, 5 categories.
  static let demo = packageRoot.appendingPathComponent("fixtures/demo/instances.json")

  /// A fresh empty directory under the system temporary directory.
  static func temporaryDirectory() throws -> URL {
    let url = TestTemporaryRoot.url
      .appendingPathComponent("detkit-reliability-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Writes a valid COCO instances file with `images` images of `width` x `height` (at
  /// least 64 x 64), `perImage` annotations each (at most 20) and 8 categories.
  static func writeCOCO(
    images: Int, perImage: Int, width: Int = 640, height: Int = 480, to url: URL
  ) throws {
    var text = #"{"info":{"description":"generated"},"images":["#
    text.reserveCapacity(images * (60 + perImage * 110))
    for i in 0..<images {
      if i > 0 { text += "," }
      text += #"{"id":\#(i + 1),"file_name":"img_\#(i).jpg","width":\#(width),"height":\#(height)}"#
    }
    text += #"],"annotations":["#
    var id = 0
    for i in 0..<images {
      for k in 0..<perImage {
        if id > 0 { text += "," }
        id += 1
        let x = (i * 7 + k * 31) % (width - 40)
        let y = (i * 13 + k * 17) % (height - 40)
        text +=
          #"{"id":\#(id),"image_id":\#(i + 1),"category_id":\#(k % 8 + 1),"bbox":[\#(x),\#(y),\#(10 + k),\#(20 + k)],"area":\#((10 + k) * (20 + k)),"iscrowd":0}"#
      }
    }
    text += #"],"categories":["#
    text += (1...8).map { #"{"id":\#($0),"name":"class\#($0)","supercategory":"thing"}"# }
      .joined(separator: ",")
    text += "]}"
    try Data(text.utf8).write(to: url)
  }

  /// A store in `directory` holding dataset "two": image 1 (96 x 96, W x H) without boxes,
  /// image 2 (96 x 64) with one box [20, 20, 40, 30] of category 4; categories 4 "cat" and
  /// 9 "dog". Returns the store's path.
  static func emptyAndOneBoxStore(in directory: URL) throws -> String {
    let json = """
      {"images":[{"id":1,"file_name":"a.jpg","width":96,"height":96},{"id":2,"file_name":"b.jpg","width":96,"height":64}],
       "categories":[{"id":4,"name":"cat"},{"id":9,"name":"dog"}],
       "annotations":[{"id":3,"image_id":2,"category_id":4,"bbox":[20,20,40,30],"area":1200,"iscrowd":0}]}
      """
    let file = directory.appendingPathComponent("two.json")
    try Data(json.utf8).write(to: file)
    let db = directory.appendingPathComponent("two.sqlite").path
    let r = try CLI.run(["import", "coco", file.path, "--db", db, "--name", "two"])
    #expect(r.status == 0, "\(r.stderr)")
    return db
  }

  /// The RetinaNet preset's anchor count on a `height` x `width` canvas: 9 anchors per cell
  /// of the strides 8, 16, 32, 64, 128, with ceil(H / s) x ceil(W / s) cells.
  static func retinaNetAnchorCount(height: Int, width: Int) -> Int {
    [8, 16, 32, 64, 128].reduce(0) { $0 + 9 * ((height + $1 - 1) / $1) * ((width + $1 - 1) / $1) }
  }

  /// Predictions for `detkit loss retinanet` over images 1...`images` (all of `anchors`
  /// anchors): one pair of NPY files (logits `[anchors, classes]` in [-6, 2], deltas
  /// `[anchors, 4]` in [-0.5, 0.5], varied by `salt`) that every `<id>.cls.npy` /
  /// `<id>.box.npy` in `folder` links to, so a large dataset costs one image's disk space.
  static func writePredictions(
    images: Int, anchors: Int, classes: Int, salt: Int, to folder: URL
  ) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let logits = (0..<(anchors * classes)).map { Float(sin(Double($0 * 7 + salt)) * 4 - 2) }
    let deltas = (0..<(anchors * 4)).map { Float(cos(Double($0 * 3 + salt)) * 0.5) }
    let cls = folder.appendingPathComponent("shared.cls")
    let box = folder.appendingPathComponent("shared.box")
    try NPYBytes.file(
      descr: "<f4", shape: [anchors, classes], bytes: logits.withUnsafeBytes { Data($0) }
    ).write(to: cls)
    try NPYBytes.float32(deltas, rows: anchors).write(to: box)
    for id in 1...images {
      try FileManager.default.createSymbolicLink(
        at: folder.appendingPathComponent("\(id).cls.npy"), withDestinationURL: cls)
      try FileManager.default.createSymbolicLink(
        at: folder.appendingPathComponent("\(id).box.npy"), withDestinationURL: box)
    }
  }

  /// Starts `detkit arguments` with its output discarded.
  static func start(_ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = CLI.executable
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  /// Seconds since `start`.
  static func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
  }
}

/// The seeded generator of the property tests: the project's SplitMix64.
typealias SplitMix64 = SyntheticBoxes.SplitMix64
