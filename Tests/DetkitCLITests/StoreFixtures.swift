import DetStore
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
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("detkit-reliability-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Writes a valid COCO instances file with `images` images of 640 x 480, `perImage`
  /// annotations each and 8 categories; returns its URL.
  static func writeCOCO(images: Int, perImage: Int, to url: URL) throws {
    var text = #"{"info":{"description":"generated"},"images":["#
    text.reserveCapacity(images * (60 + perImage * 110))
    for i in 0..<images {
      if i > 0 { text += "," }
      text += #"{"id":\#(i + 1),"file_name":"img_\#(i).jpg","width":640,"height":480}"#
    }
    text += #"],"annotations":["#
    var id = 0
    for i in 0..<images {
      for k in 0..<perImage {
        if id > 0 { text += "," }
        id += 1
        let x = (i * 7 + k * 31) % 600
        let y = (i * 13 + k * 17) % 440
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

/// Steele, Lea and Flood's SplitMix64: seeded, the same sequence on every platform.
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
