import DetGeometry
import Foundation

/// Loads `fixtures/golden/<name>` (written by tools/golden_boxes.py) from the package root.
func loadBoxGolden<T: Decodable>(_ name: String, as: T.Type) throws -> T {
  var root = URL(fileURLWithPath: #filePath)
  while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
    root.deleteLastPathComponent()
  }
  let data = try Data(contentsOf: root.appendingPathComponent("fixtures/golden/\(name)"))
  return try JSONDecoder().decode(T.self, from: data)
}

/// `count` random valid boxes in `[0, extent]^2` with sides in `[minSide, maxSide]`.
func randomBoxes(
  _ count: Int, extent: Float = 800, minSide: Float = 1, maxSide: Float = 300,
  using rng: inout SyntheticBoxes.SplitMix64
) -> BoxArray {
  BoxArray(
    (0..<count).map { _ in
      let x = Float(rng.uniform()) * extent
      let y = Float(rng.uniform()) * extent
      let w = minSide + Float(rng.uniform()) * (maxSide - minSide)
      let h = minSide + Float(rng.uniform()) * (maxSide - minSide)
      return Box(x1: x, y1: y, x2: x + w, y2: y + h)
    })
}
