import Foundation
import Testing

/// Images without ground truth through the dataset commands: all anchors are background,
/// nothing divides by zero, nothing is NaN. Store "two" (StoreFixtures.emptyAndOneBoxStore):
/// image 1 is 96 x 96 without boxes, image 2 96 x 64 (W x H) with one box.

/// RetinaNet anchors of image 1 with --resize none (9 per cell, strides 8..128).
private let emptyImageAnchors = StoreFixtures.retinaNetAnchorCount(height: 96, width: 96)

/// torchvision `sigmoid_focal_loss(x, 0)` (alpha 0.25, gamma 2) in Double.
private func negativeFocal(_ x: Double) -> Double {
  let p = 1 / (1 + exp(-x))
  let ce = max(x, 0) + log1p(exp(-abs(x)))
  return 0.75 * ce * p * p
}

private func jsonLines(_ text: String) throws -> [[String: Any]] {
  try text.split(separator: "\n").map {
    try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
  }
}

/// RetinaNet: with no boxes every anchor is a negative for every class, so image 1's
/// classification loss is the all-negative focal sum over N x C, divided by max(1, 0) = 1,
/// and its box loss is exactly 0. RPN: every sampled anchor is a negative, so with a constant
/// objectness logit x the loss is softplus(x) whichever anchors the sampler draws.
@Test func emptyImageHasAnAllNegativeLossAndNoBoxLoss() throws {
  let dir = try NPYBytes.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let db = try StoreFixtures.emptyAndOneBoxStore(in: dir)
  let preds = dir.appendingPathComponent("retinanet")
  try FileManager.default.createDirectory(at: preds, withIntermediateDirectories: true)
  var expected = 0.0
  for (id, n) in [
    1: emptyImageAnchors, 2: StoreFixtures.retinaNetAnchorCount(height: 64, width: 96),
  ] {
    let logits = (0..<(2 * n)).map { Float($0 % 13) * 0.75 - 6 }
    if id == 1 { expected = logits.reduce(0) { $0 + negativeFocal(Double($1)) } }
    try NPYBytes.file(descr: "<f4", shape: [n, 2], bytes: logits.withUnsafeBytes { Data($0) })
      .write(to: preds.appendingPathComponent("\(id).cls.npy"))
    try NPYBytes.float32([Float](repeating: 0.1, count: 4 * n), rows: n)
      .write(to: preds.appendingPathComponent("\(id).box.npy"))
  }
  let r = try CLI.run([
    "loss", "retinanet", "--db", db, "--name", "two", "--resize", "none", "--predictions",
    preds.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let lines = try jsonLines(r.stdout)
  #expect(lines.count == 4)  // image 1, image 2, batch, summary
  let empty = try #require(lines.first { $0["image_id"] as? Int == 1 })
  #expect(empty["positives"] as? Int == 0 && empty["ignored"] as? Int == 0)
  #expect(empty["box"] as? Double == 0)
  let classification = try #require(empty["classification"] as? Double)
  // Float32 kernels against a Double reference over 3,492 elements: relative 1e-5.
  #expect(abs(classification - expected) <= 1e-5 * expected, "\(classification) vs \(expected)")
  for line in lines {
    for key in ["classification", "box", "cost"] where line[key] != nil {
      #expect((line[key] as? Double)?.isFinite == true, "\(key) in \(line)")
    }
  }

  // RPN: FPN preset, 3 anchors per cell of strides 4..64: 769 cells on 96 x 96, 512 on 64 x 96.
  let rpn = dir.appendingPathComponent("rpn")
  try FileManager.default.createDirectory(at: rpn, withIntermediateDirectories: true)
  for (id, n) in [1: 3 * 769, 2: 3 * 512] {
    try NPYBytes.file(
      descr: "<f4", shape: [n, 1],
      bytes: [Float](repeating: -1, count: n).withUnsafeBytes { Data($0) }
    ).write(to: rpn.appendingPathComponent("\(id).cls.npy"))
    try NPYBytes.float32([Float](repeating: 0.1, count: 4 * n), rows: n)
      .write(to: rpn.appendingPathComponent("\(id).box.npy"))
  }
  let o = try CLI.run([
    "loss", "rpn", "--db", db, "--name", "two", "--resize", "none", "--predictions", rpn.path,
  ])
  #expect(o.status == 0, "\(o.stderr)")
  let rpnEmpty = try #require(try jsonLines(o.stdout).first { $0["image_id"] as? Int == 1 })
  #expect(rpnEmpty["positives"] as? Int == 0)
  #expect(rpnEmpty["box"] as? Double == 0)
  let objectness = try #require(rpnEmpty["classification"] as? Double)
  #expect(abs(objectness - log1p(exp(-1.0))) <= 1e-6, "\(objectness)")
}

/// `targets`: image 1's N anchors are all background (-1) with zero box targets; image 2
/// still has its positives (class index 0: category 4 is the first category).
@Test func targetsOfAnEmptyImageAreAllBackground() throws {
  let dir = try NPYBytes.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let db = try StoreFixtures.emptyAndOneBoxStore(in: dir)
  let out = dir.appendingPathComponent("targets")
  let r = try CLI.run([
    "targets", "--db", db, "--name", "two", "--preset", "retinanet", "--resize", "none", "--output",
    out.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let labels = try #require(
    NPYBytes.readInt64(try Data(contentsOf: out.appendingPathComponent("1.labels.npy"))))
  let matches = try #require(
    NPYBytes.readInt64(try Data(contentsOf: out.appendingPathComponent("1.matches.npy"))))
  let boxes = try #require(
    Demo.readFloat32(try Data(contentsOf: out.appendingPathComponent("1.box_targets.npy"))))
  #expect(labels.count == emptyImageAnchors && labels.allSatisfy { $0 == -1 })
  #expect(matches.count == emptyImageAnchors && matches.allSatisfy { $0 == -1 })
  #expect(boxes.count == 4 * emptyImageAnchors && boxes.allSatisfy { $0 == 0 })
  let other = try #require(
    NPYBytes.readInt64(try Data(contentsOf: out.appendingPathComponent("2.labels.npy"))))
  #expect(other.contains(0))
}

/// `coverage` counts boxes, not images: the empty image adds none; a dataset of empty images
/// has 0 boxes and zero shares (no NaN from 0 / 0) in the table and the JSON.
@Test func coverageOfEmptyImagesCountsNoBoxes() throws {
  let dir = try NPYBytes.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let db = try StoreFixtures.emptyAndOneBoxStore(in: dir)
  let none = dir.appendingPathComponent("none.json")
  try Data(
    #"{"images":[{"id":1,"file_name":"a.jpg","width":96,"height":96},{"id":2,"file_name":"b.jpg","width":64,"height":64}],"categories":[{"id":1,"name":"x"}],"annotations":[]}"#
      .utf8
  ).write(to: none)
  let imported = try CLI.run(["import", "coco", none.path, "--db", db, "--name", "none"])
  try #require(imported.status == 0, "\(imported.stderr)")
  for (name, boxes) in [("two", 1), ("none", 0)] {
    let arguments = [
      "coverage", "--db", db, "--name", name, "--preset", "retinanet", "--resize", "none",
    ]
    let json = try CLI.run(arguments + ["--json"])
    #expect(json.status == 0, "\(json.stderr)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    #expect(report["images"] as? Int == 2)
    let all = try #require(report["all"] as? [String: Any])
    #expect(all["boxes"] as? Int == boxes)
    for (key, value) in all {
      if let number = value as? Double { #expect(number.isFinite, "\(name): \(key)") }
    }
    let table = try CLI.run(arguments)
    #expect(table.status == 0, "\(table.stderr)")
    let words = table.stdout.lowercased().split { " \n%,()".contains($0) }
    #expect(!words.contains { ["nan", "-nan", "inf", "-inf"].contains($0) }, "\(table.stdout)")
  }
}

/// `match` without ground truth ([0, 4] or [0]): every anchor is background.
@Test(arguments: [[0, 4], [0]])
func matchWithoutGroundTruthIsAllBackground(_ shape: [Int]) throws {
  let dir = try NPYBytes.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let gt = dir.appendingPathComponent("gt.npy")
  try NPYBytes.file(descr: "<f4", shape: shape, bytes: Data()).write(to: gt)
  let m = dir.appendingPathComponent("m.npy")
  let r = try CLI.run([
    "match", "--preset", "retinanet", "--image", "96x96", "--gt", gt.path, "--output", m.path,
    "--stats",
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let stats = try #require(
    try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
  #expect(stats["anchors"] as? Int == emptyImageAnchors)
  #expect(stats["positives"] as? Int == 0 && stats["ignored"] as? Int == 0)
  #expect(stats["negatives"] as? Int == emptyImageAnchors)
  let matches = try #require(NPYBytes.readInt64(try Data(contentsOf: m)))
  #expect(matches.count == emptyImageAnchors && matches.allSatisfy { $0 == -1 })
}
