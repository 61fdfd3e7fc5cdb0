import Foundation
import Synchronization
import Testing

@testable import DetStore

/// A store holding the demo dataset as "demo".
private func demoStore() throws -> TemporaryStore {
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: packageFile("fixtures/demo/instances.json").path).importDataset(
    into: temp.opened, named: "demo")
  return temp
}

/// Records for images 1, 2, 3 with (classification, box) losses.
private func records(_ losses: [(Double, Double)]) -> [ImageLossRecord] {
  losses.enumerated().map {
    ImageLossRecord(
      imageID: .int(Int64($0.offset + 1)), fileName: "\($0.offset + 1).jpg",
      classification: $0.element.0, box: $0.element.1, positives: 1, ignored: 0)
  }
}

@Test func lossRunsRankByTotalAndReplaceByName() throws {
  let temp = try demoStore()
  let store = temp.opened
  try store.recordLossRun(
    named: "r", dataset: "demo", head: "retinanet",
    records: records([(0.5, 0.25), (3.0, 0.0), (1.0, 1.5)]))
  #expect(try store.hardestImages(inRun: "r", top: 2).map(\.imageID) == [.int(2), .int(3)])
  #expect(try store.hardestImages(inRun: "r", top: 10).map(\.total) == [3.0, 2.5, 0.75])
  // Recording again under the same name replaces the run.
  try store.recordLossRun(named: "r", dataset: "demo", head: "rpn", records: records([(0.125, 0)]))
  #expect(try store.hardestImages(inRun: "r", top: 10).map(\.total) == [0.125])
  #expect(try store.lossRunNames() == ["r"])
  #expect(throws: StoreError.self) { try store.hardestImages(inRun: "nope", top: 1) }
  #expect(throws: StoreError.self) {
    try store.recordLossRun(named: "x", dataset: "missing", head: "rpn", records: [])
  }
  #expect(try store.lossRunNames() == ["r"])
}

/// A run that fails part-way (a duplicate image on the last row, a NaN loss) writes nothing
/// and leaves the earlier run of that name whole.
@Test func failedRecordingLeavesTheEarlierRunWhole() throws {
  let temp = try demoStore()
  let store = temp.opened
  let earlier = records([(0.5, 0.25), (3.0, 0.0)])
  try store.recordLossRun(named: "r", dataset: "demo", head: "retinanet", records: earlier)
  var duplicate = records([(1, 1), (2, 2), (3, 3)])
  duplicate.append(duplicate[0])
  #expect(throws: StoreError.self) {
    try store.recordLossRun(named: "r", dataset: "demo", head: "retinanet", records: duplicate)
  }
  #expect(throws: StoreError.self) {
    try store.recordLossRun(named: "new", dataset: "demo", head: "retinanet", records: duplicate)
  }
  let nan = records([(1, 1), (.nan, 0)])
  do {
    try store.recordLossRun(named: "r", dataset: "demo", head: "retinanet", records: nan)
    Issue.record("a NaN loss was recorded")
  } catch let error as StoreError {
    #expect(error.code == .invalidRecord && error.reason == .nonFinite)
    #expect(error.recordID == .int(2))
    #expect(error.description.contains("image 2 (2.jpg) has a non-finite loss"), "\(error)")
  }
  #expect(try store.lossRunNames() == ["r"])
  #expect(try store.hardestImages(inRun: "r", top: 10) == earlier.reversed())
  #expect(try store.integrityProblems() == [])
}

/// An import holds the write lock until it commits; recording a run meanwhile waits for it
/// (beyond the store's 5 s busy timeout) instead of failing with "database is locked".
@Test func recordingWaitsForAnImportToCommit() throws {
  let temp = try demoStore()
  let path = temp.path
  let importing = DispatchSemaphore(value: 0)
  let imported = DispatchSemaphore(value: 0)
  let importFailure = Mutex<String?>(nil)
  let importer = Thread {
    do {
      _ = try AnnotationStore(path: path).importDataset(
        named: "slow", format: "coco", source: "test"
      ) { _ in
        importing.signal()
        Thread.sleep(forTimeInterval: 6)
      }
    } catch {
      importFailure.withLock { $0 = "\(error)" }
      importing.signal()
    }
    imported.signal()
  }
  importer.start()
  importing.wait()
  let start = ContinuousClock.now
  try AnnotationStore(path: path).recordLossRun(
    named: "r", dataset: "demo", head: "retinanet", records: records([(1, 0)]))
  let waited = ContinuousClock.now - start
  imported.wait()
  #expect(importFailure.withLock { $0 } == nil)
  #expect(waited > .seconds(5), "the import's lock was not held long enough to test the wait")
  let store = try AnnotationStore(path: path)
  #expect(try store.datasets().map(\.name) == ["demo", "slow"])
  #expect(try store.hardestImages(inRun: "r", top: 1).map(\.total) == [1])
}
