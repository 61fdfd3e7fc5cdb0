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
