import Foundation
import Testing

@Test func iouWritesTheNByMMatrix() throws {
  let a = TinyNPY.temporaryPath("iou-a")
  let b = TinyNPY.temporaryPath("iou-b")
  let out = TinyNPY.temporaryPath("iou-out")
  defer { for p in [a, b, out] { try? FileManager.default.removeItem(atPath: p) } }
  try TinyNPY.write([0, 0, 10, 10, 0, 0, 4, 4], shape: [2, 4], to: a)
  try TinyNPY.write([5, 5, 20, 15, 0, 0, 10, 10, 20, 20, 30, 40], shape: [3, 4], to: b)
  let result = try CLI.run(["iou", a, b, "--output", out])
  #expect(result.status == 0, "\(result.stderr)")
  let (shape, values) = try TinyNPY.read(out)
  #expect(shape == "(2, 3)")
  // [0,0,10,10] vs [5,5,20,15]: intersection 25, union 100 + 150 - 25 = 225.
  let expected: [Float] = [Float(25) / Float(225), 1, 0, 0, Float(16) / Float(100), 0]
  #expect(values == expected)
}

@Test func iouKindSelectsTheMeasure() throws {
  let a = TinyNPY.temporaryPath("giou-a")
  let out = TinyNPY.temporaryPath("giou-out")
  defer { for p in [a, out] { try? FileManager.default.removeItem(atPath: p) } }
  try TinyNPY.write([0, 0, 10, 10, 20, 20, 30, 40], shape: [2, 4], to: a)
  let result = try CLI.run(["iou", a, a, "--kind", "giou", "--output", out])
  #expect(result.status == 0, "\(result.stderr)")
  let values = try TinyNPY.read(out).values
  // Disjoint pair: IoU 0, enclosing 30 x 40 = 1200, union 300: GIoU = -(900 / 1200).
  #expect(values == [1, -0.75, -0.75, 1])
}

@Test func iouRejectsAnUnknownKind() throws {
  let result = try CLI.run(["iou", "a.npy", "b.npy", "--kind", "dice"])
  #expect(result.status == 64)
  #expect(result.stderr.contains("dice"))
}

@Test func iouNamesTheFileWithTheWrongShape() throws {
  let a = TinyNPY.temporaryPath("shape-a")
  let b = TinyNPY.temporaryPath("shape-b")
  defer { for p in [a, b] { try? FileManager.default.removeItem(atPath: p) } }
  try TinyNPY.write([0, 0, 1, 1], shape: [1, 4], to: a)
  try TinyNPY.write([Float](repeating: 0, count: 15), shape: [3, 5], to: b)
  let result = try CLI.run(["iou", a, b, "--output", "-"])
  #expect(result.status == 1)
  #expect(result.stderr.contains(b) && result.stderr.contains("[3, 5]"), "\(result.stderr)")
}

@Test func iouReportsAMissingFile() throws {
  let result = try CLI.run(["iou", "/nonexistent/a.npy", "/nonexistent/b.npy"])
  #expect(result.status == 1)
  #expect(result.stderr.contains("/nonexistent/a.npy"))
}

@Test func iouHelpShowsAnExample() throws {
  let result = try CLI.run(["iou", "--help"])
  #expect(result.status == 0)
  #expect(result.stdout.contains("detkit iou gt.npy anchors.npy"))
}
