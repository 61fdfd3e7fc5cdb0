import Foundation
import Testing

@testable import DetStore

/// The packed copy of a detection set: written by the import with the rows, equal to them
/// bit for bit, and gone whenever the rows change.
@Suite struct DetectionPacksTests {
  private func importDataset(_ temp: TemporaryStore, _ name: String = "d") throws {
    let gt = temp.directory.appendingPathComponent("gt-\(name).json")
    try Data(
      #"""
      {"images": [{"id": 3, "file_name": "a.jpg", "width": 100, "height": 100},
                  {"id": 1, "file_name": "b.jpg", "width": 100, "height": 100},
                  {"id": "t", "file_name": "c.jpg", "width": 100, "height": 100}],
       "categories": [{"id": 1, "name": "a"}, {"id": 7, "name": "b"}],
       "annotations": []}
      """#.utf8
    ).write(to: gt)
    _ = try COCOImporter(path: gt.path).importDataset(into: temp.opened, named: name)
  }

  /// Imports `rows` (JSON objects' text) as set `set`.
  private func importDetections(
    _ temp: TemporaryStore, _ rows: [String], dataset: String = "d", set: String = "default",
    replace: Bool = false
  ) throws {
    let results = temp.directory.appendingPathComponent("dt-\(UUID().uuidString).json")
    try Data("[\(rows.joined(separator: ","))]".utf8).write(to: results)
    var options = ImportOptions()
    options.replace = replace
    _ = try COCOResultsImporter(path: results.path).importDetections(
      into: temp.opened, dataset: dataset, set: set, options: options)
  }

  /// The set's rows as columns, read through the row read evaluation falls back to.
  private func rowColumns(_ temp: TemporaryStore, _ set: String = "default") throws
    -> DetectionColumns
  {
    var columns = DetectionColumns()
    try temp.opened.forEachDetectionBox(in: "d", set: set) { row in
      guard case .int(let image) = row.imageID, case .int(let category) = row.categoryID else {
        Issue.record("text id in \(row)")
        return
      }
      columns.imageIDs.append(image)
      columns.categoryIDs.append(category)
      columns.x.append(row.x)
      columns.y.append(row.y)
      columns.width.append(row.width)
      columns.height.append(row.height)
      columns.score.append(row.score)
    }
    return columns
  }

  /// Every number's bits (so that `-0.0` and `0.0` differ).
  private func bits(_ c: DetectionColumns) -> [[UInt64]] {
    [
      c.imageIDs.map { UInt64(bitPattern: $0) }, c.categoryIDs.map { UInt64(bitPattern: $0) },
      c.x.map(\.bitPattern), c.y.map(\.bitPattern), c.width.map(\.bitPattern),
      c.height.map(\.bitPattern), c.score.map(\.bitPattern),
    ]
  }

  private func packRows(_ temp: TemporaryStore) throws -> Int64 {
    try temp.opened.database.scalarInt("SELECT count(*) FROM detection_packs") ?? -1
  }

  private static let rows = [
    #"{"image_id": 3, "category_id": 7, "bbox": [1.5, 2.25, 3, 4], "score": 0.9}"#,
    // -0.0 reads back from a REAL column as 0.0: the pack must hold what the rows give.
    #"{"image_id": 1, "category_id": 1, "bbox": [-0.0, 0, 0.1, 1e-300], "score": -0.0}"#,
    #"{"image_id": 3, "category_id": 1, "bbox": [10, 20, 30, 40], "score": 0.30000000000000004}"#,
    #"{"image_id": 1, "category_id": 7, "bbox": [99, 98, 250, 4.5], "score": 1e-17}"#,
  ]

  @Test func packEqualsTheRowsBitForBit() throws {
    let temp = try TemporaryStore()
    try importDataset(temp)
    try importDetections(temp, Self.rows)
    let pack = try #require(try temp.opened.packedDetections(in: "d"))
    let rows = try rowColumns(temp)
    #expect(pack.count == 4)
    #expect(bits(pack) == bits(rows))
    #expect(pack.score[0] == 0.9 && pack.imageIDs == [3, 1, 3, 1])
    #expect(pack.x[1].sign == .plus && pack.score[1].sign == .plus)
    // Another set of the same dataset has its own pack; an unknown set has none.
    try importDetections(temp, [Self.rows[0]], set: "b")
    #expect(try temp.opened.packedDetections(in: "d", set: "b")?.count == 1)
    #expect(try temp.opened.packedDetections(in: "d")?.count == 4)
    #expect(try temp.opened.packedDetections(in: "d", set: "nope") == nil)
    #expect(throws: StoreError.self) { try temp.opened.packedDetections(in: "nope") }
  }

  @Test func replacingASetReplacesItsPack() throws {
    let temp = try TemporaryStore()
    try importDataset(temp)
    try importDetections(temp, Self.rows)
    try importDetections(temp, Array(Self.rows.suffix(2)), replace: true)
    let pack = try #require(try temp.opened.packedDetections(in: "d"))
    #expect(bits(pack) == bits(try rowColumns(temp)))
    #expect(pack.imageIDs == [3, 1])
    #expect(try packRows(temp) == 1)
  }

  @Test func deletingTheDatasetDeletesItsPacks() throws {
    let temp = try TemporaryStore()
    try importDataset(temp)
    try importDataset(temp, "other")
    try importDetections(temp, Self.rows)
    try importDetections(temp, Self.rows, dataset: "other")
    #expect(try packRows(temp) == 2)
    try temp.opened.deleteDataset(named: "d")
    #expect(try packRows(temp) == 1)
    #expect(try temp.opened.packedDetections(in: "other")?.count == 4)
  }

  /// Any writer of the rows, not only detkit's imports, leaves the set without a usable pack
  /// (the triggers, and for an added row the pack's `last_row`), so a pack can never
  /// disagree with its rows; other sets keep theirs.
  @Test(arguments: [
    "UPDATE detections SET score = 0.5 WHERE id = (SELECT min(id) FROM detections WHERE set_name = 'default')",
    "DELETE FROM detections WHERE id = (SELECT max(id) FROM detections WHERE set_name = 'default')",
    "INSERT INTO detections (dataset_id, image_id, category_id, x, y, w, h, score, set_name) SELECT dataset_id, image_id, category_id, x, y, w, h, score, set_name FROM detections WHERE set_name = 'default' LIMIT 1",
    "UPDATE detections SET set_name = 'default' WHERE set_name = 'b'",
  ])
  func changingTheRowsDropsThePack(_ sql: String) throws {
    let temp = try TemporaryStore()
    try importDataset(temp)
    try importDetections(temp, Self.rows)
    try importDetections(temp, [Self.rows[0]], set: "b")
    try importDetections(temp, [Self.rows[0]], set: "c")
    #expect(try packRows(temp) == 3)
    try temp.opened.database.execute(sql)
    #expect(try temp.opened.packedDetections(in: "d") == nil)
    #expect(try temp.opened.packedDetections(in: "d", set: "c")?.count == 1)
    #expect(try rowColumns(temp).count > 0)
  }

  /// A set larger than a chunk is packed in several, read back in order; a text id after the
  /// first chunks were written drops them all.
  @Test func largeSetsArePackedInChunks() throws {
    let temp = try TemporaryStore()
    try importDataset(temp)
    let n = 2 * DetectionPack.chunkSize + 5
    let rows = (0..<n).map { i in
      #"{"image_id": \#(i % 2 == 0 ? 3 : 1), "category_id": 1, "bbox": [\#(i % 97), 2, 3, 4], "score": \#(i)}"#
    }
    try importDetections(temp, rows)
    #expect(try packRows(temp) == 3)
    let pack = try #require(try temp.opened.packedDetections(in: "d"))
    #expect(pack.count == n)
    #expect(pack.score == (0..<n).map(Double.init))
    #expect(bits(pack) == bits(try rowColumns(temp)))
    // Read in pieces that cross the stored chunks' boundaries: the same, in order.
    var scores: [Double] = []
    var counted = 0
    #expect(
      try temp.opened.forEachPackedDetectionChunk(
        in: "d", chunkSize: 10_000, count: { counted = $0 }, { scores += $0.score }))
    #expect(counted == n && scores == pack.score)

    let text = #"{"image_id": "t", "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5}"#
    try importDetections(
      temp, Array(rows.prefix(DetectionPack.chunkSize + 3)) + [text], set: "mixed")
    #expect(try temp.opened.packedDetections(in: "d", set: "mixed") == nil)
    #expect(try packRows(temp) == 3)
  }

  /// A text id anywhere in the set: no pack (evaluation reads the rows).
  @Test func textIDsLeaveTheSetWithoutAPack() throws {
    let temp = try TemporaryStore()
    try importDataset(temp)
    try importDetections(
      temp,
      [Self.rows[0], #"{"image_id": "t", "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5}"#])
    #expect(try temp.opened.packedDetections(in: "d") == nil)
    #expect(try packRows(temp) == 0)
    var count = 0
    try temp.opened.forEachDetectionBox(in: "d") { _ in count += 1 }
    #expect(count == 2)
  }

  /// A store from before packs (schema v5) reads as it is under a read-only connection (no
  /// packs: the rows), and migrates to a table without packs: its sets have none until
  /// imported again, and are read from their rows.
  @Test func aStoreFromBeforePacksMigratesWithoutThem() throws {
    let temp = try TemporaryStore()
    try importDataset(temp)
    try importDetections(temp, Self.rows)
    try temp.opened.database.execute(
      """
      DROP TRIGGER detection_packs_stale_on_delete;
      DROP TRIGGER detection_packs_stale_on_update;
      DROP TABLE detection_packs;
      PRAGMA user_version = 5;
      """)
    temp.close()
    do {
      let reader = try AnnotationStore(path: temp.path, mode: .readOnly)
      #expect(try reader.packedDetections(in: "d") == nil)
      var count = 0
      try reader.forEachDetectionBox(in: "d") { _ in count += 1 }
      #expect(count == 4)
    }
    // Older than v5 is refused read-only (it must be migrated first).
    try Database(path: temp.path).execute("PRAGMA user_version = 4")
    #expect(throws: StoreError.self) { try AnnotationStore(path: temp.path, mode: .readOnly) }
    try Database(path: temp.path).execute("PRAGMA user_version = 5")
    try temp.reopen()
    #expect(
      try temp.opened.database.scalarInt("PRAGMA user_version")
        == Int64(AnnotationStore.schemaVersion))
    #expect(try temp.opened.packedDetections(in: "d") == nil)
    #expect(try rowColumns(temp).count == 4)
    try importDetections(temp, Self.rows, replace: true)
    #expect(
      bits(try #require(try temp.opened.packedDetections(in: "d"))) == bits(try rowColumns(temp)))
  }

  /// Under a read-only connection (how `detkit eval` opens the store) the pack reads too.
  @Test func readOnlyConnectionsReadThePack() throws {
    let temp = try TemporaryStore()
    try importDataset(temp)
    try importDetections(temp, Self.rows)
    let reader = try AnnotationStore(path: temp.path, mode: .readOnly)
    #expect(try reader.packedDetections(in: "d")?.count == 4)
  }
}
