import Foundation
import Testing

/// 5,000 ground-truth boxes on one 800 x 1344 (H x W) image, each equal to a distinct anchor
/// of the RetinaNet grid (torchvision arithmetic): the P3 anchors of type 0 that lie inside
/// the image, in anchor order. Each box then has IoU exactly 1 with its own anchor and below
/// 1 with every other, so its anchor must be matched to it and to no other box. A dense
/// matcher would need the 5,000 x 201,600 IoU matrix (4 GB of float32); memory must stay far
/// below that.
private struct CrowdedImage {
  static let boxes = 5_000
  /// The grid's anchors, flat xyxy.
  var anchors: [Float]
  /// Per box, the index of the anchor it equals.
  var anchorIndex: [Int]

  var anchorCount: Int { anchors.count / 4 }

  func box(_ j: Int) -> ArraySlice<Float> {
    anchors[(4 * anchorIndex[j])..<(4 * anchorIndex[j] + 4)]
  }

  init(in dir: URL) throws {
    let file = dir.appendingPathComponent("anchors.npy")
    let r = try CLI.run([
      "anchors", "--preset", "retinanet", "--image", "800x1344", "--compat", "torchvision",
      "--format", "npy",
      "--output", file.path,
    ])
    try #require(r.status == 0, "\(r.stderr)")
    anchors = try #require(Demo.readFloat32(try Data(contentsOf: file)))
    // Anchor order: level, row, column, type; P3 (stride 8) comes first, 9 types per cell.
    var chosen: [Int] = []
    var i = 0
    while chosen.count < Self.boxes {
      let a = anchors[(4 * i)..<(4 * i + 4)].map { $0 }
      if a[0] >= 0 && a[1] >= 0 && a[2] <= 1344 && a[3] <= 800 { chosen.append(i) }
      i += 9
    }
    anchorIndex = chosen
  }
}

@Test func matchingFiveThousandBoxesOnOneImageStaysExactAndSmall() throws {
  let dir = try NPYBytes.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let image = try CrowdedImage(in: dir)
  #expect(image.anchorCount == StoreFixtures.retinaNetAnchorCount(height: 800, width: 1344))
  let gt = dir.appendingPathComponent("gt.npy")
  try NPYBytes.float32((0..<CrowdedImage.boxes).flatMap { image.box($0) }, rows: CrowdedImage.boxes)
    .write(to: gt)
  let m = dir.appendingPathComponent("m.npy")
  let (r, peak) = try CLI.runMeasuringMemory(
    [
      "match", "--preset", "retinanet", "--image", "800x1344", "--compat", "torchvision", "--gt",
      gt.path,
      "--high", "0.5", "--low", "0.4", "--low-quality", "--policy", "torchvision", "--output",
      m.path, "--stats",
    ])
  #expect(r.status == 0, "\(r.stderr)")
  let stats = try #require(
    try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
  #expect(stats["groundTruth"] as? Int == CrowdedImage.boxes)
  #expect((stats["unmatchedGroundTruth"] as? [Int])?.isEmpty == true)
  let best = try #require(stats["bestIoU"] as? [Double])
  #expect(best.count == CrowdedImage.boxes && best.allSatisfy { $0 == 1 })
  #expect((stats["positives"] as? Int ?? 0) >= CrowdedImage.boxes)
  let matches = try #require(NPYBytes.readInt64(try Data(contentsOf: m)))
  #expect(matches.count == image.anchorCount)
  let wrong = (0..<CrowdedImage.boxes).filter { matches[image.anchorIndex[$0]] != Int64($0) }
  #expect(wrong.isEmpty, "boxes not matched to their own anchor: \(wrong.prefix(10))")
  #expect(
    peak > 4 << 20 && peak < 256 << 20,
    "peak memory \(peak >> 20) MB (a measurement, so above 4 MB)")
}

/// The same boxes as a stored dataset (2 categories, alternating): `targets` gives each box's
/// anchor that box and its class, and `loss retinanet` finishes with finite losses.
@Test func fiveThousandStoredBoxesThroughTargetsAndLoss() throws {
  let dir = try NPYBytes.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let image = try CrowdedImage(in: dir)
  var annotations: [String] = []
  for j in 0..<CrowdedImage.boxes {
    let b = image.box(j).map { Double($0) }
    let (w, h) = (b[2] - b[0], b[3] - b[1])
    annotations.append(
      #"{"id":\#(j + 1),"image_id":1,"category_id":\#(j % 2 + 1),"bbox":[\#(b[0]),\#(b[1]),\#(w),\#(h)],"area":\#(w * h),"iscrowd":0}"#
    )
  }
  let json = dir.appendingPathComponent("crowded.json")
  try Data(
    (#"{"images":[{"id":1,"file_name":"crowded.jpg","width":1344,"height":800}],"categories":[{"id":1,"name":"a"},{"id":2,"name":"b"}],"annotations":["#
      + annotations.joined(separator: ",") + "]}").utf8
  ).write(to: json)
  let db = dir.appendingPathComponent("crowded.sqlite").path
  let imported = try CLI.run(["import", "coco", json.path, "--db", db, "--name", "crowded"])
  try #require(imported.status == 0, "\(imported.stderr)")

  let targets = dir.appendingPathComponent("targets")
  let t = try CLI.run([
    "targets", "--db", db, "--name", "crowded", "--preset", "retinanet", "--resize", "none",
    "--output", targets.path,
  ])
  #expect(t.status == 0, "\(t.stderr)")
  let matches = try #require(
    NPYBytes.readInt64(try Data(contentsOf: targets.appendingPathComponent("1.matches.npy"))))
  let labels = try #require(
    NPYBytes.readInt64(try Data(contentsOf: targets.appendingPathComponent("1.labels.npy"))))
  let wrong = (0..<CrowdedImage.boxes).filter {
    matches[image.anchorIndex[$0]] != Int64($0) || labels[image.anchorIndex[$0]] != Int64($0 % 2)
  }
  #expect(wrong.isEmpty, "boxes whose anchor has another match or class: \(wrong.prefix(10))")

  let n = image.anchorCount
  let preds = dir.appendingPathComponent("predictions")
  try FileManager.default.createDirectory(at: preds, withIntermediateDirectories: true)
  let logits = (0..<(2 * n)).map { Float(sin(Double($0))) * 3 - 2 }
  try NPYBytes.file(descr: "<f4", shape: [n, 2], bytes: logits.withUnsafeBytes { Data($0) })
    .write(to: preds.appendingPathComponent("1.cls.npy"))
  try NPYBytes.float32([Float](repeating: 0, count: 4 * n), rows: n).write(
    to: preds.appendingPathComponent("1.box.npy"))
  let (r, peak) = try CLI.runMeasuringMemory(
    [
      "loss", "retinanet", "--db", db, "--name", "crowded", "--resize", "none", "--predictions",
      preds.path,
    ])
  #expect(r.status == 0, "\(r.stderr)")
  let line = try #require(
    try JSONSerialization.jsonObject(with: Data(r.stdout.split(separator: "\n")[0].utf8))
      as? [String: Any])
  #expect((line["positives"] as? Int ?? 0) >= CrowdedImage.boxes)
  for key in ["classification", "box"] {
    let value = try #require(line[key] as? Double, "\(key) in \(line)")
    #expect(value.isFinite && value > 0, "\(key) = \(value)")
  }
  #expect(
    peak > 4 << 20 && peak < 512 << 20,
    "peak memory \(peak >> 20) MB (a measurement, so above 4 MB)")
}
