import Foundation
import Testing

@testable import DetStore

@Test func lossRunsRankByTotalAndReplaceByName() throws {
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: packageFile("fixtures/demo/instances.json").path).importDataset(
    into: temp.opened, named: "demo")
  let store = temp.opened
  let run = try store.beginLossRun(named: "r", dataset: "demo", head: "retinanet")
  let records = [(1, 0.5, 0.25), (2, 3.0, 0.0), (3, 1.0, 1.5)].map {
    ImageLossRecord(imageID: .int(Int64($0.0)), fileName: "\($0.0).jpg", classification: $0.1, box: $0.2, positives: 1, ignored: 0)
  }
  try store.appendLosses(records, toRun: run)
  #expect(try store.hardestImages(inRun: "r", top: 2).map(\.imageID) == [.int(2), .int(3)])
  #expect(try store.hardestImages(inRun: "r", top: 10).map(\.total) == [3.0, 2.5, 0.75])
  // Beginning again under the same name starts empty.
  _ = try store.beginLossRun(named: "r", dataset: "demo", head: "rpn")
  #expect(try store.hardestImages(inRun: "r", top: 10).isEmpty)
  #expect(try store.lossRunNames() == ["r"])
  #expect(throws: StoreError.self) { try store.hardestImages(inRun: "nope", top: 1) }
  #expect(throws: StoreError.self) { try store.beginLossRun(named: "x", dataset: "missing", head: "rpn") }
}
