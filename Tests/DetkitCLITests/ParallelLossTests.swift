import DetStore
import Foundation
import Testing

/// `loss retinanet|rpn` gives the same JSON lines and the same recorded rows with
/// `--threads 1` (a serial loop) as with `--threads 2` (a batch's images evaluated at once,
/// finishing out of order), for every framework's normaliser (detectron2's carried across
/// batches) and for per-image and batch-file predictions.
enum ParallelLoss {
  /// Per-image predictions for the golden batch store "b" at its stored sizes: for each image,
  /// `<id>.cls.npy` `[N, classes]` and `<id>.box.npy` `[N, 4]` with N from the targets of
  /// `preset`, values varying by image so that every image costs something different.
  static func perImagePredictions(
    db: String, in dir: URL, preset: String, classes: Int
  ) throws -> URL {
    let targets = dir.appendingPathComponent("targets-\(preset)")
    let t = try CLI.run([
      "targets", "--db", db, "--name", "b", "--preset", preset, "--resize", "none", "--output",
      targets.path,
    ])
    try #require(t.status == 0, "\(t.stderr)")
    let folder = dir.appendingPathComponent("predictions-\(preset)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let names = try FileManager.default.contentsOfDirectory(atPath: targets.path)
    let ids = names.filter { $0.hasSuffix(".labels.npy") }.map {
      String($0.dropLast(".labels.npy".count))
    }
    try #require(ids.count == 8)
    for (salt, id) in ids.sorted().enumerated() {
      let labels = try #require(
        NPYBytes.readInt64(
          try Data(contentsOf: targets.appendingPathComponent("\(id).labels.npy"))))
      let n = labels.count
      // Logits around the prior with a few confident hits; deltas small.
      let cls = (0..<(n * classes)).map { Float(sin(Double($0 * 7 + salt * 13)) * 3 - 3) }
      let box = (0..<(n * 4)).map { Float(cos(Double($0 * 3 + salt)) * 0.4) }
      try NPYBytes.file(
        descr: "<f4", shape: [n, classes], bytes: cls.withUnsafeBytes { Data($0) }
      ).write(to: folder.appendingPathComponent("\(id).cls.npy"))
      try NPYBytes.float32(box, rows: n).write(to: folder.appendingPathComponent("\(id).box.npy"))
    }
    return folder
  }

  /// Runs `arguments --record <run>` at `--threads 1` and `--threads 2`; returns both outputs
  /// and both runs' stored image and batch rows.
  static func compare(_ arguments: [String], db: String, run: String) throws {
    var outputs: [String] = []
    var images: [[ImageLossRecord]] = []
    var batches: [[BatchLossRecord]] = []
    for threads in [1, 2] {
      let name = "\(run)-\(threads)"
      let r = try CLI.run(arguments + ["--record", name, "--threads", "\(threads)"])
      try #require(r.status == 0, "\(r.stderr)")
      outputs.append(r.stdout)
      let store = try AnnotationStore(path: db)
      images.append(try store.hardestImages(inRun: name, top: 100))
      batches.append(try store.batchLosses(inRun: name))
    }
    #expect(outputs[0].split(separator: "\n").count >= 8 + 3 + 1, "\(outputs[0])")
    #expect(outputs[1] == outputs[0], "\(run)")
    #expect(images[0].count == 8)
    #expect(images[1] == images[0], "\(run)")
    #expect(batches[0].count >= 3)
    #expect(batches[1] == batches[0], "\(run)")
  }
}

@Test(arguments: ["torchvision", "detectron2", "mmdetection"])
func batchFileLossIsTheSameOnOneThreadAndOnTwo(framework: String) throws {
  let (db, _) = try BatchFixture.store()
  try ParallelLoss.compare(
    [
      "loss", "retinanet", "--db", db, "--name", "b", "--framework", framework,
      "--predictions", BatchFixture.root.appendingPathComponent(framework).path,
    ], db: db, run: "batches-\(framework)")
}

@Test(arguments: ["torchvision", "detectron2", "mmdetection"])
func perImageLossIsTheSameOnOneThreadAndOnTwo(framework: String) throws {
  let (db, dir) = try BatchFixture.store()
  let predictions = try ParallelLoss.perImagePredictions(
    db: db, in: dir, preset: "retinanet", classes: 3)
  try ParallelLoss.compare(
    [
      "loss", "retinanet", "--db", db, "--name", "b", "--framework", framework, "--resize",
      "none", "--compat", "torchvision", "--batch-size", "3", "--predictions", predictions.path,
    ], db: db, run: "images-\(framework)")
}

@Test func rpnLossIsTheSameOnOneThreadAndOnTwo() throws {
  let (db, dir) = try BatchFixture.store()
  let predictions = try ParallelLoss.perImagePredictions(
    db: db, in: dir, preset: "fpn", classes: 1)
  try ParallelLoss.compare(
    [
      "loss", "rpn", "--db", db, "--name", "b", "--resize", "none", "--batch-size", "3",
      "--seed", "5", "--predictions", predictions.path,
    ], db: db, run: "rpn")
}
