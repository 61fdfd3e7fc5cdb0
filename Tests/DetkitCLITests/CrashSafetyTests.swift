import DetStore
import Foundation
import Testing

/// `detkit import coco` killed with SIGKILL at seeded random moments: after every kill the
/// store must pass `PRAGMA integrity_check`, keep the datasets it had, and hold nothing of
/// the interrupted import (or all of it, when the kill came after the commit). Then the same for `--replace` over an existing dataset, which
/// must keep its old content whole.
///
/// Kill moments are drawn from [2 %, 98 %] of an estimate of the import's duration: first
/// the time the setup's own import took, shrunk by a fifth whenever an import finishes before
/// its kill (the machine is shared, so durations vary), so that nearly every try is a kill.
struct CrashSafetyTests {
  static let kills = 20

  /// The fixed part of a crash test: a store holding the demo ("earlier") and a large
  /// generated dataset ("base"), and the time a full import of the large file took.
  struct Setup {
    var directory: URL
    var db: String
    var large: URL
    var importSeconds: Double
    var before: [DatasetInfo]
  }

  static func setUp(images: Int) throws -> Setup {
    let directory = try StoreFixtures.temporaryDirectory()
    let db = directory.appendingPathComponent("store.sqlite").path
    let large = directory.appendingPathComponent("large.json")
    try StoreFixtures.writeCOCO(images: images, perImage: 3, to: large)
    let demo = try CLI.run(
      ["import", "coco", StoreFixtures.demo.path, "--db", db, "--name", "earlier"])
    #expect(demo.status == 0, "\(demo.stderr)")
    let clock = ContinuousClock.now
    let base = try CLI.run(["import", "coco", large.path, "--db", db, "--name", "base"])
    let importSeconds = StoreFixtures.seconds(since: clock)
    #expect(base.status == 0, "\(base.stderr)")
    let before = try AnnotationStore(path: db).datasets()
    #expect(before.map(\.name) == ["base", "earlier"])
    #expect(before.first?.images == images)
    return Setup(
      directory: directory, db: db, large: large, importSeconds: importSeconds, before: before)
  }

  /// Runs `arguments` and kills the process after a seeded random fraction of `seconds`;
  /// returns whether it was killed (false: it had already exited, and `seconds` shrinks).
  static func killed(
    _ arguments: [String], within seconds: inout Double, rng: inout SplitMix64
  ) throws -> Bool {
    let delay = seconds * Double.random(in: 0.02..<0.98, using: &rng)
    let process = try StoreFixtures.start(arguments)
    Thread.sleep(forTimeInterval: delay)
    guard process.isRunning else {
      process.waitUntilExit()
      seconds *= 0.8
      return false
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    return process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
  }

  /// The store after a kill: sound, and holding exactly `expected` — unless the kill came
  /// after the import's commit (while the process was reporting or exiting), in which case
  /// `landed` must see the import whole and undo it. Either way nothing half-done remains.
  static func check(
    _ db: String, holds expected: [DatasetInfo], after attempt: Int,
    landed: (AnnotationStore) throws -> Bool
  ) throws {
    let store = try AnnotationStore(path: db)
    #expect(try store.integrityProblems() == [], "after kill \(attempt)")
    if try landed(store) { return }
    #expect(try store.datasets() == expected, "after kill \(attempt)")
  }

  @Test func killedImportLeavesTheStoreAsItWas() throws {
    let setup = try Self.setUp(images: 10_000)
    defer { try? FileManager.default.removeItem(at: setup.directory) }
    var rng = SplitMix64(state: 0xDE7C_0001)
    var estimate = setup.importSeconds
    var kills = 0
    var attempts = 0
    while kills < Self.kills && attempts < 3 * Self.kills {
      attempts += 1
      let arguments = ["import", "coco", setup.large.path, "--db", setup.db, "--name", "victim"]
      if try Self.killed(arguments, within: &estimate, rng: &rng) {
        kills += 1
        try Self.check(setup.db, holds: setup.before, after: attempts) { store in
          guard try store.datasets().contains(where: { $0.name == "victim" }) else { return false }
          #expect(try store.dataset(named: "victim").images == 10_000, "after kill \(attempts)")
          try store.deleteDataset(named: "victim")
          #expect(try store.datasets() == setup.before, "after kill \(attempts)")
          return true
        }
      } else {
        // The import beat the kill: it must have landed whole; take it out again.
        let store = try AnnotationStore(path: setup.db)
        #expect(try store.dataset(named: "victim").images == 10_000)
        try store.deleteDataset(named: "victim")
      }
    }
    #expect(kills >= Self.kills, "only \(kills) of \(attempts) imports were killed mid-way")
  }

  @Test func killedReplaceKeepsTheOldDatasetWhole() throws {
    let setup = try Self.setUp(images: 10_000)
    defer { try? FileManager.default.removeItem(at: setup.directory) }
    // A replacement that differs from "base" (one image fewer), so a landed replace shows.
    let replacement = setup.directory.appendingPathComponent("replacement.json")
    try StoreFixtures.writeCOCO(images: 9_999, perImage: 3, to: replacement)
    var rng = SplitMix64(state: 0xDE7C_0002)
    var estimate = setup.importSeconds
    var expected = setup.before
    func restore() throws {
      let restore = try CLI.run(
        ["import", "coco", setup.large.path, "--db", setup.db, "--name", "base", "--replace"])
      #expect(restore.status == 0, "\(restore.stderr)")
      expected = try AnnotationStore(path: setup.db).datasets()
      #expect(expected.map(\.images) == setup.before.map(\.images))
    }
    var kills = 0
    var attempts = 0
    while kills < Self.kills && attempts < 3 * Self.kills {
      attempts += 1
      let arguments = [
        "import", "coco", replacement.path, "--db", setup.db, "--name", "base", "--replace",
      ]
      if try Self.killed(arguments, within: &estimate, rng: &rng) {
        kills += 1
        var replaced = false
        try Self.check(setup.db, holds: expected, after: attempts) { store in
          replaced = try store.dataset(named: "base").images == 9_999
          return replaced
        }
        if replaced { try restore() }
      } else {
        // The replace beat the kill: it must have landed whole; put the original back.
        #expect(try AnnotationStore(path: setup.db).dataset(named: "base").images == 9_999)
        try restore()
      }
    }
    #expect(kills >= Self.kills, "only \(kills) of \(attempts) replaces were killed mid-way")
  }
}
