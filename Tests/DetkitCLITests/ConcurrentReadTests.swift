import DetStore
import Foundation
import Synchronization
import Testing

/// Readers (`detkit stats`, `show`, `datasets`) run while `detkit import coco` holds the
/// write transaction: WAL lets them read the last committed state, so none may fail, and
/// none may report "database is locked" (the busy timeout is 5 s; no reader should need it).
@Test func readersRunWhileAnImportWrites() throws {
  let directory = try StoreFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let db = directory.appendingPathComponent("store.sqlite").path
  let large = directory.appendingPathComponent("large.json")
  try StoreFixtures.writeCOCO(images: 20_000, perImage: 3, to: large)
  let demo = try CLI.run(["import", "coco", StoreFixtures.demo.path, "--db", db, "--name", "demo"])
  try #require(demo.status == 0, "\(demo.stderr)")
  let expectedStats = try CLI.run(["stats", "--db", db, "--name", "demo", "--json"])
  try #require(expectedStats.status == 0, "\(expectedStats.stderr)")

  let writer = try StoreFixtures.start(
    ["import", "coco", large.path, "--db", db, "--name", "large"])
  var reads = 0
  var readsDuringImport = 0
  let readers: [[String]] = [
    ["stats", "--db", db, "--name", "demo", "--json"],
    ["show", "--db", db, "--name", "demo", "--image", "100"],
    ["datasets", "--db", db],
  ]
  // Keep reading until the import is done, and at least once round.
  repeat {
    let wasRunning = writer.isRunning
    for arguments in readers {
      let result = try CLI.run(arguments)
      reads += 1
      #expect(result.status == 0, "\(arguments[0]): \(result.stderr)")
      #expect(!result.stderr.contains("locked"), "\(arguments[0]): \(result.stderr)")
      if arguments[0] == "stats" { #expect(result.stdout == expectedStats.stdout) }
    }
    if wasRunning && writer.isRunning { readsDuringImport += readers.count }
  } while writer.isRunning || reads < readers.count
  writer.waitUntilExit()
  #expect(writer.terminationStatus == 0)
  #expect(readsDuringImport > 0, "the import finished before any reader overlapped it")
  let store = try AnnotationStore(path: db)
  #expect(try store.dataset(named: "large").images == 20_000)
  #expect(try store.integrityProblems() == [])
}

/// In-process: one thread imports through `COCOImporter` while others read the same file
/// through their own `AnnotationStore` connections (a store is not `Sendable`; each thread
/// opens its own). Also run under ThreadSanitizer by tools/sanitize.sh.
@Test func libraryReadersOnOtherThreadsDuringAnImport() throws {
  let directory = try StoreFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let db = directory.appendingPathComponent("store.sqlite").path
  let large = directory.appendingPathComponent("large.json")
  try StoreFixtures.writeCOCO(images: 5_000, perImage: 3, to: large)
  let first = try AnnotationStore(path: db)
  _ = try COCOImporter(path: StoreFixtures.demo.path).importDataset(into: first, named: "demo")
  let demoImages = try first.dataset(named: "demo").images

  let done = Mutex(false)
  let failures = Mutex<[String]>([])
  let readCount = Mutex(0)
  DispatchQueue.concurrentPerform(iterations: 3) { worker in
    do {
      let store = try AnnotationStore(path: db)
      if worker == 0 {
        _ = try COCOImporter(path: large.path).importDataset(into: store, named: "large")
        done.withLock { $0 = true }
        return
      }
      repeat {
        let info = try store.dataset(named: "demo")
        if info.images != demoImages { failures.withLock { $0.append("demo changed: \(info)") } }
        var images = 0
        try store.forEachImage(in: "demo") { _ in images += 1 }
        if images != demoImages { failures.withLock { $0.append("read \(images) images") } }
        readCount.withLock { $0 += 1 }
      } while !done.withLock({ $0 })
    } catch {
      failures.withLock { $0.append("worker \(worker): \(error)") }
      done.withLock { $0 = true }
    }
  }
  #expect(failures.withLock { $0 } == [])
  #expect(readCount.withLock { $0 } > 0)
  #expect(try AnnotationStore(path: db).dataset(named: "large").images == 5_000)
}

/// `detkit loss retinanet` runs over one dataset while `detkit import coco` writes another.
/// Without `--record` it only reads (WAL: the last committed state); with `--record` it also
/// writes, once, when it ends, and waits for the import's commit rather than failing. No run
/// may fail or report "database is locked", and every output and recorded run equals the one
/// made before the import.
@Test func lossRunsWhileAnImportWrites() throws {
  let directory = try StoreFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let db = directory.appendingPathComponent("store.sqlite").path
  let small = directory.appendingPathComponent("small.json")
  try StoreFixtures.writeCOCO(images: 8, perImage: 3, width: 128, height: 128, to: small)
  let imported = try CLI.run(["import", "coco", small.path, "--db", db, "--name", "small"])
  try #require(imported.status == 0, "\(imported.stderr)")
  let predictions = directory.appendingPathComponent("predictions")
  try StoreFixtures.writePredictions(
    images: 8, anchors: StoreFixtures.retinaNetAnchorCount(height: 128, width: 128), classes: 8,
    salt: 0, to: predictions)
  let plain = [
    "loss", "retinanet", "--db", db, "--name", "small", "--resize", "none", "--predictions",
    predictions.path,
  ]
  let expected = try CLI.run(plain + ["--record", "before"])
  try #require(expected.status == 0, "\(expected.stderr)")
  let expectedRecords = try AnnotationStore(path: db).hardestImages(inRun: "before", top: 100)
  let large = directory.appendingPathComponent("large.json")
  try StoreFixtures.writeCOCO(images: 40_000, perImage: 3, to: large)

  let writer = try StoreFixtures.start([
    "import", "coco", large.path, "--db", db, "--name", "large",
  ])
  var plainDuringImport = 0
  var recordingDuringImport = 0
  var recorded: [String] = []
  repeat {
    var wasRunning = writer.isRunning
    let read = try CLI.run(plain)
    #expect(read.status == 0, "\(read.stderr)")
    #expect(!read.stderr.contains("locked"), "\(read.stderr)")
    #expect(read.stdout == expected.stdout)
    if wasRunning && writer.isRunning { plainDuringImport += 1 }

    wasRunning = writer.isRunning
    let name = "during-\(recorded.count)"
    let write = try CLI.run(plain + ["--record", name])
    #expect(write.status == 0, "\(write.stderr)")
    #expect(!write.stderr.contains("locked"), "\(write.stderr)")
    #expect(write.stdout == expected.stdout)
    recorded.append(name)
    // Started while the import held the write lock; its commit waited for the import's.
    if wasRunning { recordingDuringImport += 1 }
  } while writer.isRunning
  writer.waitUntilExit()
  #expect(writer.terminationStatus == 0)
  #expect(plainDuringImport > 0, "the import finished before a plain loss run overlapped it")
  #expect(recordingDuringImport > 0, "the import finished before a recording loss run started")
  let store = try AnnotationStore(path: db)
  #expect(try store.dataset(named: "large").images == 40_000)
  #expect(try store.lossRunNames() == (["before"] + recorded).sorted())
  for name in recorded {
    #expect(try store.hardestImages(inRun: name, top: 100) == expectedRecords, "run \(name)")
  }
  #expect(try store.integrityProblems() == [])
}
