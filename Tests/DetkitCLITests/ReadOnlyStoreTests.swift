import Foundation
import Testing

/// Every command that only reads a store, given a `--db` path that does not exist, fails
/// with "no such store: PATH" (status 1) and creates nothing: no database, no -wal / -shm.
/// (They used to create an empty 256 KB store and then report a missing dataset.)
@Test func readOnlyCommandsOnAMissingStoreFailAndCreateNothing() throws {
  let directory = try StoreFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let db = directory.appendingPathComponent("missing.sqlite").path
  let predictions = directory.appendingPathComponent("predictions")
  try FileManager.default.createDirectory(at: predictions, withIntermediateDirectories: true)
  let out = directory.appendingPathComponent("out").path
  let pipeline = ["--db", db, "--name", "d"]
  let runs: [[String]] = [
    ["datasets", "--db", db],
    ["stats"] + pipeline,
    ["show"] + pipeline + ["--image", "1"],
    ["worst", "--db", db, "--run", "r"],
    ["coverage", "--preset", "fpn"] + pipeline,
    ["targets", "--preset", "fpn", "--output", out + ".safetensors"] + pipeline,
    ["draw", "--preset", "fpn", "--image", "1", "--output", "-"] + pipeline,
    ["loss", "retinanet", "--predictions", predictions.path] + pipeline,
    ["loss", "rpn", "--predictions", predictions.path] + pipeline,
    ["loss", "retinanet", "--predictions", predictions.path, "--record", "r"] + pipeline,
    ["export", "coco"] + pipeline + ["--output", out + ".json"],
    ["export", "voc"] + pipeline + ["--output", out + "-voc"],
    ["export", "yolo"] + pipeline + ["--output", out + "-yolo"],
  ]
  for arguments in runs {
    let r = try CLI.run(arguments)
    #expect(r.status == 1, "\(arguments): \(r.stderr)")
    #expect(r.stderr.contains("no such store: \(db)"), "\(arguments): \(r.stderr)")
    let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(left == ["predictions"], "\(arguments) left \(left)")
  }
}

/// The read-only commands still read an existing store, also one another connection has
/// just written to (a read-only connection reads the WAL).
@Test func readOnlyCommandsReadAnExistingStore() throws {
  let directory = try StoreFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let db = try StoreFixtures.emptyAndOneBoxStore(in: directory)
  let datasets = try CLI.run(["datasets", "--db", db])
  #expect(datasets.status == 0 && datasets.stdout.contains("two"), "\(datasets.stderr)")
  let stats = try CLI.run(["stats", "--db", db, "--name", "two", "--json"])
  #expect(stats.status == 0, "\(stats.stderr)")
  let coverage = try CLI.run(["coverage", "--db", db, "--name", "two", "--preset", "fpn"])
  #expect(coverage.status == 0, "\(coverage.stderr)")
}
