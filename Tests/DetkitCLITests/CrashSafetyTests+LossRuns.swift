import DetStore
import Foundation
import Testing

extension CrashSafetyTests {
  /// `detkit loss retinanet --record` killed with SIGKILL at seeded random moments, half of
  /// the times recording a new run, half replacing the run "reference" with other
  /// predictions. After every kill the store passes `PRAGMA integrity_check`, keeps its
  /// datasets and the run "other" unchanged, and holds the interrupted run either not at all
  /// (a new run absent, "reference" still the old one) or whole, when the kill came after
  /// the commit. Runs are deterministic, so "whole" means equal to a run made before.
  @Test func killedLossRunRecordsNothingOrAll() throws {
    let directory = try StoreFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let db = directory.appendingPathComponent("store.sqlite").path
    let demo = try CLI.run([
      "import", "coco", StoreFixtures.demo.path, "--db", db, "--name", "earlier",
    ])
    try #require(demo.status == 0, "\(demo.stderr)")
    // 32 images of 128 x 128 with --resize none: 3,069 anchors x 8 classes each; about 1.5 s
    // per run in a debug build.
    let images = 32
    let json = directory.appendingPathComponent("base.json")
    try StoreFixtures.writeCOCO(images: images, perImage: 3, width: 128, height: 128, to: json)
    let base = try CLI.run(["import", "coco", json.path, "--db", db, "--name", "base"])
    try #require(base.status == 0, "\(base.stderr)")
    let anchors = StoreFixtures.retinaNetAnchorCount(height: 128, width: 128)
    let a = directory.appendingPathComponent("a")
    let b = directory.appendingPathComponent("b")
    try StoreFixtures.writePredictions(images: images, anchors: anchors, classes: 8, salt: 0, to: a)
    try StoreFixtures.writePredictions(images: images, anchors: anchors, classes: 8, salt: 1, to: b)
    func arguments(_ predictions: URL, record: String) -> [String] {
      [
        "loss", "retinanet", "--db", db, "--name", "base", "--resize", "none",
        "--predictions", predictions.path, "--record", record,
      ]
    }
    func records(_ run: String, in store: AnnotationStore) throws -> [ImageLossRecord] {
      try store.hardestImages(inRun: run, top: images + 1)
    }

    let clock = ContinuousClock.now
    let first = try CLI.run(arguments(a, record: "reference"))
    var estimate = StoreFixtures.seconds(since: clock)
    try #require(first.status == 0, "\(first.stderr)")
    let other = try CLI.run(arguments(b, record: "other"))
    try #require(other.status == 0, "\(other.stderr)")
    let setup = try AnnotationStore(path: db)
    let datasets = try setup.datasets()
    let recordsA = try records("reference", in: setup)
    let recordsB = try records("other", in: setup)
    try #require(recordsA.count == images && recordsB.count == images)
    try #require(recordsA != recordsB)

    var rng = SplitMix64(state: 0xDE7C_0003)
    var runs: Set<String> = ["reference", "other"]
    var kills = 0
    var killedBeforeCommit = 0
    var attempts = 0
    while kills < Self.kills && attempts < 3 * Self.kills {
      attempts += 1
      let replacing = attempts.isMultiple(of: 2)
      let name = replacing ? "reference" : "victim-\(attempts)"
      let wasKilled = try Self.killed(
        arguments(replacing ? b : a, record: name), within: &estimate, rng: &rng)
      let store = try AnnotationStore(path: db)
      #expect(try store.integrityProblems() == [], "after attempt \(attempts)")
      #expect(try store.datasets() == datasets, "after attempt \(attempts)")
      #expect(try records("other", in: store) == recordsB, "after attempt \(attempts)")
      let landed: Bool
      if replacing {
        let now = try records("reference", in: store)
        #expect(now == recordsA || now == recordsB, "after attempt \(attempts)")
        landed = now == recordsB
        if landed {
          let restore = try CLI.run(arguments(a, record: "reference"))
          #expect(restore.status == 0, "\(restore.stderr)")
        }
      } else {
        landed = try store.lossRunNames().contains(name)
        if landed {
          #expect(try records(name, in: store) == recordsA, "after attempt \(attempts)")
          runs.insert(name)
        }
      }
      #expect(Set(try store.lossRunNames()) == runs, "after attempt \(attempts)")
      if wasKilled {
        kills += 1
        if !landed { killedBeforeCommit += 1 }
      } else {
        #expect(landed, "attempt \(attempts) exited by itself without recording its run")
      }
    }
    #expect(kills >= Self.kills, "only \(kills) of \(attempts) runs were killed")
    // The commit comes at the very end of a run, so most kills must land before it;
    // otherwise this test would not be testing the interrupted case.
    #expect(
      killedBeforeCommit >= kills / 2,
      "only \(killedBeforeCommit) of \(kills) kills came before the commit")
  }
}
