import DetTestSupport
import Foundation
import Testing

@Test func anchorsCSVHasTheHeaderAndOneLinePerAnchor() throws {
  let result = try CLI.run(["anchors", "--preset", "fpn", "--image", "800x1344", "--format", "csv"])
  #expect(result.status == 0)
  let lines = result.stdout.split(separator: "\n")
  #expect(lines.first == "level,y,x,type,x1,y1,x2,y2")
  #expect(lines.count == 1 + 268_569)
  // The last anchor: P6, row 12, column 20, type 2 at shift (1280, 768).
  #expect(lines.last?.hasPrefix("P6,12,20,2,") == true)
}

/// `--compat` defaults to torchvision (it was detectron2 in `anchors` and `match` until the
/// pipeline commands' default became the one default): no `--compat` gives torchvision's
/// bytes, which differ from detectron2's.
@Test func anchorsAndMatchDefaultToTorchvisionArithmetic() throws {
  let plain = try CLI.run(["anchors", "--preset", "retinanet", "--image", "37x53"])
  let torchvision = try CLI.run([
    "anchors", "--preset", "retinanet", "--image", "37x53", "--compat", "torchvision",
  ])
  let detectron2 = try CLI.run([
    "anchors", "--preset", "retinanet", "--image", "37x53", "--compat", "detectron2",
  ])
  #expect(plain.status == 0 && !plain.stdout.isEmpty)
  #expect(plain.stdout == torchvision.stdout)
  #expect(plain.stdout != detectron2.stdout)
  // REFERENCE TV1: the first cell of P2 in torchvision mode, with no --compat.
  let fpn = try CLI.run(["anchors", "--image", "37x53"]).stdout.split(separator: "\n")
  #expect(fpn[1] == "P2,0,0,0,-23.0,-11.0,23.0,11.0")
  // A centre offset is a detectron2 / mmdetection parameter: with the default it is refused.
  #expect(try CLI.run(["anchors", "--image", "64x64", "--offset", "0.5"]).status == 64)

  let dir = try NPYBytes.temporaryDirectory()
  let g = dir.appendingPathComponent("gt.npy")
  try NPYBytes.float32([10, 20, 90, 70, 300, 100, 420, 260], rows: 2).write(to: g)
  func stats(_ extra: [String]) throws -> String {
    let r = try CLI.run(
      ["match", "--preset", "retinanet", "--image", "320x480", "--gt", g.path, "--stats"] + extra)
    #expect(r.status == 0, "\(r.stderr)")
    return r.stdout
  }
  let matchPlain = try stats([])
  #expect(matchPlain == (try stats(["--compat", "torchvision"])))
  #expect(matchPlain != (try stats(["--compat", "detectron2"])))
}

@Test func anchorsDefaultsToCSVWhenStdoutIsAPipe() throws {
  let result = try CLI.run(["anchors", "--image", "37x53", "--compat", "torchvision"])
  #expect(result.status == 0)
  let lines = result.stdout.split(separator: "\n")
  #expect(lines.first == "level,y,x,type,x1,y1,x2,y2")
  // REFERENCE TV1: the first cell of P2 in torchvision mode.
  #expect(lines[1] == "P2,0,0,0,-23.0,-11.0,23.0,11.0")
  #expect(lines[3] == "P2,0,0,2,-11.0,-23.0,11.0,23.0")
}

@Test func anchorsJSONCarriesLevelMetadataAndBoxes() throws {
  let result = try CLI.run([
    "anchors", "--preset", "retinanet", "--image", "800x1344", "--compat", "torchvision",
    "--format", "json",
  ])
  #expect(result.status == 0)
  let object = try #require(
    try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
  #expect(object["count"] as? Int == 201_600)
  let levels = try #require(object["levels"] as? [[String: Any]])
  #expect(levels.map { $0["name"] as? String } == ["P3", "P4", "P5", "P6", "P7"])
  #expect(levels[3]["strideY"] as? Double == 61 && levels[3]["strideX"] as? Double == 64)
  #expect(levels[4]["rows"] as? Int == 7 && levels[4]["columns"] as? Int == 11)
  #expect((object["boxes"] as? [[Double]])?.count == 201_600)
}

@Test func anchorsTableListsEveryLevel() throws {
  let result = try CLI.run([
    "anchors", "--image", "800x1344", "--compat", "detectron2", "--format", "table",
  ])
  #expect(result.status == 0)
  #expect(result.stdout.contains("268569 anchors"))
  for row in ["P2     4       200x336", "P6     64      13x21"] {
    #expect(result.stdout.contains(row))
  }
}

@Test func anchorsWritesToAFile() throws {
  let path = TestTemporaryRoot.url.appendingPathComponent(
    "detkit-anchors-\(UUID()).csv"
  ).path
  defer { try? FileManager.default.removeItem(atPath: path) }
  let result = try CLI.run(["anchors", "--image", "64x64", "--format", "csv", "--output", path])
  #expect(result.status == 0 && result.stdout.isEmpty)
  let text = try String(contentsOfFile: path, encoding: .utf8)
  #expect(text.split(separator: "\n").count == 1 + 3 * (16 * 16 + 8 * 8 + 4 * 4 + 2 * 2 + 1))
}

@Test func anchorsOverridesReachTheGenerator() throws {
  let result = try CLI.run([
    "anchors", "--image", "32x32", "--strides", "16,32", "--sizes", "40,80", "--ratios", "1",
    "--scales", "1,2", "--offset", "0.5", "--compat", "detectron2",
  ])
  #expect(result.status == 0)
  let lines = result.stdout.split(separator: "\n")
  #expect(lines.count == 1 + 2 * (2 * 2 + 1))
  // Offset 0.5 of stride 16 centres the first cell at 8: size 40 spans -12...28.
  #expect(lines[1] == "P4,0,0,0,-12.0,-12.0,28.0,28.0")
}

@Test(arguments: [
  ["anchors", "--image", "800by1344"],
  ["anchors", "--image", "0x10"],
  ["anchors"],
  ["anchors", "--image", "800x1344", "--compat", "caffe"],
  ["anchors", "--image", "800x1344", "--ratios", "0.5,,2"],
  ["anchors", "--image", "800x1344", "--sizes", "32,64"],
  ["anchors", "--image", "800x1344", "--compat", "torchvision", "--offset", "0.5"],
  ["anchors", "--image", "800x1344", "--strides", "4,8.5,16,32,64"],
  ["anchors", "--image", "100000x100000"],
])
func anchorsRejectsBadArgumentsWithUsageStatus(arguments: [String]) throws {
  let result = try CLI.run(arguments)
  #expect(result.status == 64, "\(arguments)")
  #expect(result.stderr.contains("Error"), "\(arguments)")
  #expect(result.stdout.isEmpty)
}

@Test func anchorsUnwritableOutputIsARuntimeFailure() throws {
  let result = try CLI.run(["anchors", "--image", "64x64", "--output", "/nonexistent-dir/a.csv"])
  #expect(result.status == 1)
  #expect(result.stderr.contains("/nonexistent-dir/a.csv"))
}

@Test func anchorsHelpShowsAnExample() throws {
  let result = try CLI.run(["anchors", "--help"])
  #expect(result.status == 0)
  #expect(result.stdout.contains("detkit anchors --preset fpn --image 800x1344"))
}

@Test func anchorsNPYIsFloat32NByFourInFlatOrder() throws {
  let path = TestTemporaryRoot.url.appendingPathComponent(
    "detkit-anchors-\(UUID()).npy"
  ).path
  defer { try? FileManager.default.removeItem(atPath: path) }
  let result = try CLI.run([
    "anchors", "--image", "800x1344", "--compat", "torchvision", "--format", "npy", "--output",
    path,
  ])
  #expect(result.status == 0, "\(result.stderr)")
  let data = try Data(contentsOf: URL(fileURLWithPath: path))
  #expect(data.prefix(6) == Data([0x93]) + Data("NUMPY".utf8))
  let headerLength = Int(data[8]) | Int(data[9]) << 8
  let header = String(decoding: data[10..<10 + headerLength], as: UTF8.self)
  #expect(header.contains("'descr': '<f4'") && header.contains("'shape': (268569, 4)"))
  let body = data.subdata(in: 10 + headerLength..<data.count)
  #expect(body.count == 268_569 * 16)
  let first = (0..<4).map { i in
    Float(
      bitPattern: body.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self) })
  }
  #expect(first == [-23, -11, 23, 11])  // REFERENCE TV1, cell (0, 0) of P2
}

@Test func anchorsNPYGoesToStdoutWhenPiped() throws {
  let result = try CLI.run(["anchors", "--image", "37x53", "--format", "npy"])
  #expect(result.status == 0)
  #expect(result.stdout.utf8.count > 576 * 16)
}
