import Foundation
import Testing

/// REFERENCE.md TV5: anchor [0,0,10,20], GT [2,3,14,19], weights (10,10,5,5).
@Test func encodeWritesTorchvisionDeltas() throws {
  let anchors = TinyNPY.temporaryPath("enc-a")
  let boxes = TinyNPY.temporaryPath("enc-b")
  let out = TinyNPY.temporaryPath("enc-out")
  defer { for p in [anchors, boxes, out] { try? FileManager.default.removeItem(atPath: p) } }
  try TinyNPY.write([0, 0, 10, 20], shape: [1, 4], to: anchors)
  try TinyNPY.write([2, 3, 14, 19], shape: [1, 4], to: boxes)
  let result = try CLI.run([
    "encode", "--anchors", anchors, "--boxes", boxes, "--weights", "10,10,5,5", "--output", out,
  ])
  #expect(result.status == 0, "\(result.stderr)")
  let (shape, values) = try TinyNPY.read(out)
  #expect(shape == "(1, 4)")
  let expected = [3.0, 0.5, 0.9116077839697729, -1.1157177565710485]
  for (v, e) in zip(values, expected) { #expect(abs(Double(v) - e) < 1e-6) }
}

@Test func encodeNeedsOneBoxPerAnchor() throws {
  let anchors = TinyNPY.temporaryPath("enc-a2")
  let boxes = TinyNPY.temporaryPath("enc-b2")
  defer { for p in [anchors, boxes] { try? FileManager.default.removeItem(atPath: p) } }
  try TinyNPY.write([0, 0, 10, 20, 0, 0, 5, 5], shape: [2, 4], to: anchors)
  try TinyNPY.write([2, 3, 14, 19], shape: [1, 4], to: boxes)
  let result = try CLI.run(["encode", "--anchors", anchors, "--boxes", boxes, "--output", "-"])
  #expect(result.status == 1)
  #expect(result.stderr.contains(boxes) && result.stderr.contains("1 boxes"), "\(result.stderr)")
}

@Test func encodeRejectsBadWeights() throws {
  for bad in ["1,1,1", "1,1,0,1", "a,b,c,d"] {
    let result = try CLI.run([
      "encode", "--anchors", "a.npy", "--boxes", "b.npy", "--weights", bad, "--output", "-",
    ])
    #expect(result.status == 64, "\(bad)")
  }
}

@Test func encodeHelpShowsAnExample() throws {
  let result = try CLI.run(["encode", "--help"])
  #expect(result.stdout.contains("detkit encode --anchors anchors.npy"))
}
