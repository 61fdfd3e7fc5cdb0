import DetGeometry
import Foundation

/// Reads golden JSON files written by tools/golden_matching.py.
enum Golden {
  /// The package root: walk up from this file until Package.swift appears.
  static var root: URL {
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path)
    {
      dir = dir.deletingLastPathComponent()
    }
    return dir
  }

  static func load(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: root.appendingPathComponent("fixtures/golden/\(name)"))
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
  }

  static func boxes(_ value: Any?) -> BoxArray {
    BoxArray(flat: (value as! [NSNumber]).map { $0.floatValue })
  }

  static func ints(_ value: Any?) -> [Int] {
    (value as! [NSNumber]).map { $0.intValue }
  }
}
