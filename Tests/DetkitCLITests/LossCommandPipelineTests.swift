import Foundation
import Testing

/// A two-image dataset with stored sizes kept (--resize none) so the anchor grids stay small.
private func smallStore() throws -> (db: String, dir: URL) {
  let dir = try NPYBytes.temporaryDirectory()
  let json = """
    {"images":[{"id":1,"file_name":"a.jpg","width":160,"height":128},{"id":2,"file_name":"b.jpg","width":96,"height":96}],
     "categories":[{"id":4,"name":"cat"},{"id":9,"name":"dog"}],
     "annotations":[{"id":1,"image_id":1,"category_id":9,"bbox":[10,12,50,40],"area":2000,"iscrowd":0},
                    {"id":2,"image_id":1,"category_id":4,"bbox":[70,20,80,100],"area":8000,"iscrowd":0},
                    {"id":3,"image_id":2,"category_id":4,"bbox":[20,20,40,30],"area":1200,"iscrowd":0}]}
    """
  let file = dir.appendingPathComponent("small.json")
  try Data(json.utf8).write(to: file)
  let db = dir.appendingPathComponent("s.sqlite").path
  let r = try CLI.run(["import", "coco", file.path, "--db", db, "--name", "small"])
  #expect(r.status == 0, "\(r.stderr)")
  return (db, dir)
}

/// Deterministic logits and deltas for N anchors.
private func predictions(_ n: Int, classes: Int, salt: Int) -> (cls: [Float], box: [Float]) {
  let cls = (0..<(n * classes)).map { Float(sin(Double($0 * 7 + salt)) * 4 - 2) }
  let box = (0..<(n * 4)).map { Float(cos(Double($0 * 3 + salt)) * 0.5) }
  return (cls, box)
}

@Test func retinanetLossEqualsAFocalAndL1ComputedHere() throws {
  let (db, dir) = try smallStore()
  let targets = dir.appendingPathComponent("t")
  let t = try CLI.run([
    "targets", "--db", db, "--name", "small", "--preset", "retinanet", "--resize", "none",
    "--output", targets.path,
  ])
  #expect(t.status == 0, "\(t.stderr)")
  let preds = dir.appendingPathComponent("p")
  try FileManager.default.createDirectory(at: preds, withIntermediateDirectories: true)
  var expected: [Int: (Double, Double)] = [:]
  for id in [1, 2] {
    let labels = try #require(
      NPYBytes.readInt64(try Data(contentsOf: targets.appendingPathComponent("\(id).labels.npy"))))
    let boxTargets = try #require(
      Demo.readFloat32(
        try Data(contentsOf: targets.appendingPathComponent("\(id).box_targets.npy"))))
    let n = labels.count
    let (cls, box) = predictions(n, classes: 2, salt: id)
    try NPYBytes.file(descr: "<f4", shape: [n, 2], bytes: cls.withUnsafeBytes { Data($0) }).write(
      to: preds.appendingPathComponent("\(id).cls.npy"))
    try NPYBytes.float32(box, rows: n).write(to: preds.appendingPathComponent("\(id).box.npy"))
    // torchvision sigmoid_focal_loss(alpha 0.25, gamma 2), sum over non-ignored rows.
    var focal = 0.0
    var l1 = 0.0
    var positives = 0
    for i in 0..<n where labels[i] != -2 {
      for c in 0..<2 {
        let x = Double(cls[2 * i + c])
        let target = labels[i] == Int64(c) ? 1.0 : 0.0
        let p = 1 / (1 + exp(-x))
        let ce = max(x, 0) - x * target + log1p(exp(-abs(x)))
        let pt = p * target + (1 - p) * (1 - target)
        focal += (0.25 * target + 0.75 * (1 - target)) * ce * (1 - pt) * (1 - pt)
      }
      if labels[i] >= 0 {
        positives += 1
        for k in 0..<4 { l1 += abs(Double(box[4 * i + k]) - Double(boxTargets[4 * i + k])) }
      }
    }
    #expect(positives > 0)
    expected[id] = (focal / Double(max(1, positives)), l1 / Double(max(1, positives)))
  }
  let r = try CLI.run([
    "loss", "retinanet", "--db", db, "--name", "small", "--resize", "none", "--predictions",
    preds.path,
    "--batch-size", "1", "--record", "run1",
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let lines = r.stdout.split(separator: "\n").map {
    try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
  }
  #expect(lines.count == 5)  // image, batch, image, batch, summary
  for line in lines where line["image_id"] != nil {
    let id = line["image_id"] as! Int
    let (cls, box) = try #require(expected[id])
    // Float32 kernels against a Double reference: relative 1e-5.
    #expect(abs((line["classification"] as! Double) - cls) <= 1e-5 * cls, "image \(id)")
    #expect(abs((line["box"] as! Double) - box) <= 1e-5 * box, "image \(id)")
  }
  let summary = try #require(lines.last)
  let mean = (expected[1]!.0 + expected[2]!.0 + expected[1]!.1 + expected[2]!.1) / 2
  #expect(abs((summary["cost"] as! Double) - mean) <= 1e-5 * mean)
  let worst = try CLI.run(["worst", "--db", db, "--run", "run1", "--top", "1", "--json"])
  #expect(worst.status == 0, "\(worst.stderr)")
  let top = try #require(
    try JSONSerialization.jsonObject(with: Data(worst.stdout.utf8)) as? [String: Any])
  let hardest = expected.max { $0.value.0 + $0.value.1 < $1.value.0 + $1.value.1 }!.key
  #expect(top["image_id"] as? Int == hardest)
}

@Test func lossRejectsWrongShapesAndMissingTensors() throws {
  let (db, dir) = try smallStore()
  let preds = dir.appendingPathComponent("p")
  try FileManager.default.createDirectory(at: preds, withIntermediateDirectories: true)
  try NPYBytes.float32([0, 0, 0, 0], rows: 1).write(to: preds.appendingPathComponent("1.cls.npy"))
  try NPYBytes.float32([0, 0, 0, 0], rows: 1).write(to: preds.appendingPathComponent("1.box.npy"))
  let r = try CLI.run([
    "loss", "retinanet", "--db", db, "--name", "small", "--resize", "none", "--predictions",
    preds.path,
  ])
  #expect(r.status == 1)
  #expect(r.stderr.contains("1.cls.npy has shape [1, 4], expected ["), "\(r.stderr)")
  let missing = try CLI.run([
    "loss", "rpn", "--db", db, "--name", "small", "--predictions",
    dir.appendingPathComponent("nope").path,
  ])
  #expect(missing.status == 1)
  #expect(missing.stderr.contains("no such file"), "\(missing.stderr)")
  let noRun = try CLI.run(["worst", "--db", db, "--run", "ghost"])
  #expect(noRun.status == 1)
  #expect(noRun.stderr.contains("no loss run named \"ghost\""), "\(noRun.stderr)")
  let usage = try CLI.run([
    "loss", "ssd", "--db", db, "--name", "small", "--predictions", preds.path,
  ])
  #expect(usage.status == 64)
}

/// `--record` writes the run only when it completes: a run that fails on its second batch
/// records nothing and leaves the earlier run of the same name whole.
@Test func failedRunKeepsTheEarlierRecording() throws {
  let (db, dir) = try smallStore()
  let preds = dir.appendingPathComponent("p")
  try FileManager.default.createDirectory(at: preds, withIntermediateDirectories: true)
  // --resize none: image 1 is 128 x 160 (H x W), image 2 96 x 96.
  for (id, (h, w)) in [1: (128, 160), 2: (96, 96)] {
    let n = StoreFixtures.retinaNetAnchorCount(height: h, width: w)
    let (cls, box) = predictions(n, classes: 2, salt: id)
    try NPYBytes.file(descr: "<f4", shape: [n, 2], bytes: cls.withUnsafeBytes { Data($0) })
      .write(to: preds.appendingPathComponent("\(id).cls.npy"))
    try NPYBytes.float32(box, rows: n).write(to: preds.appendingPathComponent("\(id).box.npy"))
  }
  let arguments = [
    "loss", "retinanet", "--db", db, "--name", "small", "--resize", "none", "--predictions",
    preds.path,
    "--batch-size", "1", "--record", "run1",
  ]
  let first = try CLI.run(arguments)
  try #require(first.status == 0, "\(first.stderr)")
  let before = try CLI.run(["worst", "--db", db, "--run", "run1", "--json"])
  #expect(before.stdout.split(separator: "\n").count == 2)
  try NPYBytes.float32([0, 0, 0, 0], rows: 1).write(to: preds.appendingPathComponent("2.box.npy"))
  let failed = try CLI.run(arguments)
  #expect(failed.status == 1)
  #expect(failed.stderr.contains("2.box.npy has shape [1, 4]"), "\(failed.stderr)")
  #expect(!failed.stderr.contains("recorded run"), "\(failed.stderr)")
  let after = try CLI.run(["worst", "--db", db, "--run", "run1", "--json"])
  #expect(after.status == 0, "\(after.stderr)")
  #expect(after.stdout == before.stdout)
}
