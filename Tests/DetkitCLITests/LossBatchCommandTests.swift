import Foundation
import Testing

/// `detkit loss retinanet` over the golden batch files (fixtures/golden/batches, made by
/// tools/golden_batches.py from the frameworks' own code).
enum BatchFixture {
  static var root: URL {
    var url = URL(fileURLWithPath: #filePath)
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path)
    {
      url.deleteLastPathComponent()
    }
    return url.appendingPathComponent("fixtures/golden/batches")
  }

  /// A fresh store with the fixture's dataset imported as "b".
  static func store() throws -> (db: String, dir: URL) {
    let dir = try NPYBytes.temporaryDirectory()
    let db = dir.appendingPathComponent("b.sqlite").path
    let r = try CLI.run([
      "import", "coco", root.appendingPathComponent("instances.json").path, "--db", db, "--name",
      "b",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    return (db, dir)
  }

  /// The expected batch terms of `framework`.
  static func expected(_ framework: String) throws -> [[String: Any]] {
    let data = try Data(contentsOf: root.appendingPathComponent("\(framework).json"))
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    return try #require(json["batches"] as? [[String: Any]])
  }

  /// The JSON lines of `output` that have key `key`.
  static func lines(_ output: String, with key: String) -> [[String: Any]] {
    output.split(separator: "\n").compactMap {
      (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
    }.filter { $0[key] != nil }
  }
}

@Test(arguments: ["torchvision", "detectron2", "mmdetection"])
func batchFolderLossEqualsTheFrameworksOwn(framework: String) throws {
  let (db, _) = try BatchFixture.store()
  let r = try CLI.run([
    "loss", "retinanet", "--db", db, "--name", "b", "--framework", framework, "--predictions",
    BatchFixture.root.appendingPathComponent(framework).path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let batches = BatchFixture.lines(r.stdout, with: "batch")
  let expected = try BatchFixture.expected(framework)
  #expect(batches.count == expected.count)
  for (b, e) in zip(batches, expected) {
    for key in ["classification", "box"] {
      let (got, want) = (b[key] as? Double ?? .nan, e[key] as! Double)
      #expect(abs(got - want) <= 2e-5 * want, "\(e["file"]!) \(key): \(got) vs \(want)")
    }
  }
  #expect(BatchFixture.lines(r.stdout, with: "image_id").count == 8)
  #expect(batches.allSatisfy { $0["ema_cost"] is Double })
  let summary = try #require(BatchFixture.lines(r.stdout, with: "summary").first)
  #expect(summary["ema_cost"] as? Double == batches.last?["ema_cost"] as? Double)
}

@Test func emaMomentumMustBeBelowOne() throws {
  let (db, _) = try BatchFixture.store()
  let r = try CLI.run([
    "loss", "retinanet", "--db", db, "--name", "b", "--ema", "1", "--predictions",
    BatchFixture.root.appendingPathComponent("torchvision").path,
  ])
  #expect(r.status == 64)
  #expect(r.stderr.contains("--ema must be in [0, 1), got 1.0"), "\(r.stderr)")
}

@Test func batchSizeIsAUsageErrorWithBatchFiles() throws {
  let (db, _) = try BatchFixture.store()
  let r = try CLI.run([
    "loss", "retinanet", "--db", db, "--name", "b", "--batch-size", "4", "--predictions",
    BatchFixture.root.appendingPathComponent("torchvision").path,
  ])
  #expect(r.status == 64)
  #expect(r.stderr.contains("--batch-size 4 applies to per-image predictions"), "\(r.stderr)")
}

/// `bench batch` over a workload folder laid out as tools/peer_batch.py writes it (here the
/// golden torchvision batches, with their golden terms as the peer's report): it times the
/// run and checks every batch term against the peer's.
@Test func benchBatchComparesWithThePeersTerms() throws {
  let dir = try NPYBytes.temporaryDirectory()
  let batches = dir.appendingPathComponent("batches")
  try FileManager.default.createDirectory(at: batches, withIntermediateDirectories: true)
  try FileManager.default.copyItem(
    at: BatchFixture.root.appendingPathComponent("instances.json"),
    to: dir.appendingPathComponent("instances.json"))
  let expected = try BatchFixture.expected("torchvision")
  for e in expected {
    let name = e["file"] as! String
    try FileManager.default.copyItem(
      at: BatchFixture.root.appendingPathComponent("torchvision/\(name)"),
      to: batches.appendingPathComponent(name))
  }
  let peer: [String: Any] = [
    "workload": "batch", "images_per_second": 1.0, "peak_rss_mb": 100.0,
    "per_batch": expected.map { ["classification": $0["classification"]!, "box": $0["box"]!] },
  ]
  try JSONSerialization.data(withJSONObject: peer).write(
    to: dir.appendingPathComponent("peer.json"))
  let r = try CLI.run(["bench", "batch", "--workload", dir.path, "--json"])
  #expect(r.status == 0, "\(r.stderr)")
  let report = try #require(
    try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
  #expect(report["images"] as? Int == 8)
  #expect(report["batches"] as? Int == 3)
  let difference = try #require(report["max_relative_difference"] as? Double)
  #expect(difference <= 2e-5)
  #expect((report["peak_rss_mib"] as? Double ?? 0) > 0)
}

/// The progress bar of a run over batch files counts the batch files' images, not the
/// dataset's (8 images; the one file read here holds fewer).
@Test func batchRunProgressCountsTheBatchFilesImages() throws {
  let (db, _) = try BatchFixture.store()
  let r = try CLI.run([
    "loss", "retinanet", "--db", db, "--name", "b", "--predictions",
    BatchFixture.root.appendingPathComponent("torchvision/batch_000.safetensors").path,
    "--progress", "always",
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let images = BatchFixture.lines(r.stdout, with: "image_id").count
  #expect(images > 0 && images < 8)
  #expect(r.stderr.contains("\(images)/\(images) images"), "\(r.stderr)")
}
