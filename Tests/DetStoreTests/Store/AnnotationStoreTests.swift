import Foundation
import Testing

@testable import DetStore

private let here = SourceLocation(file: "test")

private func tiny(_ store: AnnotationStore, name: String, images: Int, replace: Bool = false) throws
  -> ImportReport
{
  try store.importDataset(
    named: name, format: "test", source: "mem", options: ImportOptions(replace: replace)
  ) { w in
    try w.add(CategoryRecord(id: .int(1), name: "c"), at: here)
    for i in 0..<images {
      try w.add(
        ImageRecord(id: .int(Int64(i)), fileName: "\(i).jpg", width: 10, height: 10), at: here)
      try w.add(
        AnnotationRecord(
          id: .int(Int64(i)), imageID: .int(Int64(i)), categoryID: .int(1), x: 1, y: 1, width: 2,
          height: 2),
        at: here)
    }
  }
}

@Test func manyDatasetsLiveInOneFileByName() throws {
  let temp = try TemporaryStore()
  _ = try tiny(temp.opened, name: "a", images: 2)
  _ = try tiny(temp.opened, name: "b", images: 3)
  let infos = try temp.opened.datasets()
  #expect(infos.map(\.name) == ["a", "b"])
  #expect(infos.map(\.images) == [2, 3])
  #expect(infos.map(\.annotations) == [2, 3])
}

@Test func importingAnExistingNameNeedsReplaceWhichSwapsAtomically() throws {
  let temp = try TemporaryStore()
  _ = try tiny(temp.opened, name: "a", images: 2)
  #expect {
    _ = try tiny(temp.opened, name: "a", images: 5)
  } throws: { ($0 as? StoreError)?.code == .datasetExists }
  let report = try tiny(temp.opened, name: "a", images: 5, replace: true)
  #expect(report.replaced)
  #expect(try temp.opened.dataset(named: "a").images == 5)
  #expect(try temp.opened.datasets().count == 1)
}

@Test func aFailureMidwayLeavesTheFileByteForByteAndEarlierDatasetsIntact() throws {
  let temp = try TemporaryStore()
  _ = try tiny(temp.opened, name: "first", images: 50)
  temp.close()
  let before = try Data(contentsOf: URL(fileURLWithPath: temp.path))
  try temp.reopen()
  struct Boom: Error {}
  for replace in [false, true] {
    #expect(throws: Boom.self) {
      _ = try temp.opened.importDataset(
        named: replace ? "first" : "second", format: "test", source: "mem",
        options: ImportOptions(replace: replace)
      ) { w in
        try w.add(CategoryRecord(id: .int(1), name: "c"), at: here)
        for i in 0..<1000 {
          try w.add(ImageRecord(id: .int(Int64(i)), fileName: "x", width: 10, height: 10), at: here)
        }
        throw Boom()
      }
    }
  }
  temp.close()
  let after = try Data(contentsOf: URL(fileURLWithPath: temp.path))
  #expect(before == after)
  try temp.reopen()
  #expect(try temp.opened.datasets().map(\.name) == ["first"])
  #expect(try temp.opened.dataset(named: "first").annotations == 50)
}

@Test func aFileFromANewerVersionIsRefused() throws {
  let temp = try TemporaryStore()
  try temp.opened.database.execute("PRAGMA user_version = \(AnnotationStore.schemaVersion + 1)")
  temp.close()
  #expect {
    try temp.reopen()
  } throws: { error in
    let e = error as? StoreError
    return e?.code == .newerSchema && e!.description.contains("newer detkit")
  }
}

@Test func aNonDatabaseFileIsAClearError() throws {
  let temp = try TemporaryStore()
  let path = temp.directory.appendingPathComponent("garbage.sqlite").path
  try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(
    to: URL(fileURLWithPath: path))
  #expect {
    _ = try AnnotationStore(path: path)
  } throws: { ($0 as? StoreError)?.code == .sqlite }
}

@Test func unknownDatasetsAreNotFoundAndNameTheKnownOnes() throws {
  let temp = try TemporaryStore()
  _ = try tiny(temp.opened, name: "a", images: 1)
  #expect {
    try temp.opened.forEachImage(in: "nope") { _ in }
  } throws: { ($0 as? StoreError)?.code == .notFound && "\($0)".contains("known: a") }
  try temp.opened.deleteDataset(named: "a")
  #expect(try temp.opened.datasets().isEmpty)
}

@Test func schemaIsStrictWithForeignKeysAndWAL() throws {
  let temp = try TemporaryStore()
  let db = temp.opened.database
  #expect(try db.scalarInt("PRAGMA foreign_keys") == 1)
  let mode = try db.statement("PRAGMA journal_mode")
  try mode.step()
  #expect(mode.string(0) == "wal")
  mode.reset()
  // v1: 5 tables; v2: loss_runs, image_losses; v5: batch_losses; v6: detection_packs.
  #expect(
    try db.scalarInt("SELECT count(*) FROM pragma_table_list WHERE strict = 1 AND schema = 'main'")
      == 9)
  #expect(try db.scalarInt("PRAGMA user_version") == Int64(AnnotationStore.schemaVersion))
}

@Test func sqliteErrorsCarryMessageAndSQL() throws {
  let temp = try TemporaryStore()
  #expect {
    try temp.opened.database.execute("SELEKT 1")
  } throws: { error in
    let e = error as! StoreError
    return e.code == .sqlite && e.sql == "SELEKT 1" && e.message.contains("syntax error")
  }
}
