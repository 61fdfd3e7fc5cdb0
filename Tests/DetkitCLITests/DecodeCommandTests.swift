import Foundation
import Testing

/// REFERENCE.md TV5: the deltas of GT [2,3,14,19] decode back to it; [0,0,100,-100] is
/// clamped from above only.
@Test func decodeInvertsEncodeAndClamps() throws {
  let anchors = TinyNPY.temporaryPath("dec-a")
  let deltas = TinyNPY.temporaryPath("dec-d")
  let out = TinyNPY.temporaryPath("dec-out")
  defer { for p in [anchors, deltas, out] { try? FileManager.default.removeItem(atPath: p) } }
  try TinyNPY.write([0, 0, 10, 20, 0, 0, 10, 20], shape: [2, 4], to: anchors)
  try TinyNPY.write(
    [3.0, 0.5, 0.9116077839697729, -1.1157177565710485, 0, 0, 100, -100].map { Float($0) },
    shape: [2, 4], to: deltas)
  let result = try CLI.run([
    "decode", "--anchors", anchors, "--deltas", deltas, "--weights", "10,10,5,5", "--output", out,
  ])
  #expect(result.status == 0, "\(result.stderr)")
  let (shape, values) = try TinyNPY.read(out)
  #expect(shape == "(2, 4)")
  let expected = [2, 3, 14, 19, -307.5, 9.99999997939, 317.5, 10.0000000206]
  for (v, e) in zip(values, expected) { #expect(abs(Double(v) - e) < 1e-4, "\(v) vs \(e)") }
}

@Test func decodeClipsToTheImage() throws {
  let anchors = TinyNPY.temporaryPath("clip-a")
  let deltas = TinyNPY.temporaryPath("clip-d")
  let out = TinyNPY.temporaryPath("clip-out")
  defer { for p in [anchors, deltas, out] { try? FileManager.default.removeItem(atPath: p) } }
  try TinyNPY.write([0, 0, 10, 20], shape: [1, 4], to: anchors)
  try TinyNPY.write([0, 0, 100, -100], shape: [1, 4], to: deltas)
  let result = try CLI.run([
    "decode", "--anchors", anchors, "--deltas", deltas, "--weights", "10,10,5,5", "--clip",
    "15x100", "--output", out,
  ])
  #expect(result.status == 0, "\(result.stderr)")
  let values = try TinyNPY.read(out).values
  #expect(values[0] == 0 && values[2] == 100)
  #expect(abs(values[1] - 10) < 1e-4 && abs(values[3] - 10) < 1e-4)
}

@Test func decodeNamesTheFileWithTheWrongShape() throws {
  let anchors = TinyNPY.temporaryPath("dshape-a")
  let deltas = TinyNPY.temporaryPath("dshape-d")
  defer { for p in [anchors, deltas] { try? FileManager.default.removeItem(atPath: p) } }
  try TinyNPY.write([0, 0, 10, 20], shape: [1, 4], to: anchors)
  try TinyNPY.write([0, 0, 0, 0, 0, 0, 0, 0], shape: [8], to: deltas)
  let result = try CLI.run(["decode", "--anchors", anchors, "--deltas", deltas, "--output", "-"])
  #expect(result.status == 1)
  #expect(result.stderr.contains(deltas) && result.stderr.contains("[8]"), "\(result.stderr)")
}

@Test func decodeRejectsABadClip() throws {
  let result = try CLI.run([
    "decode", "--anchors", "a.npy", "--deltas", "d.npy", "--clip", "0x5", "--output", "-",
  ])
  #expect(result.status == 64)
}

@Test func decodeHelpShowsAnExample() throws {
  let result = try CLI.run(["decode", "--help"])
  #expect(result.stdout.contains("detkit decode --anchors anchors.npy"))
}
