import Foundation
import Testing

@testable import DetStore

/// Annotations 2 (unknown image, settled at the end), 3 (malformed bbox) and 4 (negative
/// width) are invalid; 1 is good.
private let instances = #"""
  {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
   "categories": [{"id": 1, "name": "a"}],
   "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 40, 40]},
    {"id": 2, "image_id": 9, "category_id": 1, "bbox": [0, 0, 40, 40]},
    {"id": 3, "image_id": 1, "category_id": 1, "bbox": [0, 0, "x", 40]},
    {"id": 4, "image_id": 1, "category_id": 1, "bbox": [0, 0, -4, 40]}]}
  """#

@Test func skippedRecordsSayWhereWhichAndWhy() throws {
  let temp = try TemporaryStore()
  let url = temp.directory.appendingPathComponent("gt.json")
  try Data(instances.utf8).write(to: url)
  let report = try COCOImporter(path: url.path).importDataset(
    into: temp.opened, named: "d", options: ImportOptions(policy: .skip))
  #expect(report.skippedTotal == 3 && report.annotations == 1)
  try #require(report.skippedRecords.count == 3)
  // Found while reading (3, 4), then settled at the end (2).
  #expect(report.skippedRecords.map(\.recordID) == [.int(3), .int(4), .int(2)])
  #expect(
    report.skippedRecords.map(\.reason) == [.malformed, .nonPositiveSize, .unknownImage])
  #expect(
    report.skippedRecords.map(\.location.path)
      == ["annotations[2].bbox[2]", "annotations[3]", "annotations[1]"])
  #expect(report.skippedRecords.allSatisfy { $0.location.file == url.path })
  #expect(report.skippedRecords[0].location.line == 5)
  #expect(report.skippedRecords[2].message.contains("image id 9"))
  // The counts stay complete when fewer records are kept.
  let two = try COCOImporter(path: url.path).importDataset(
    into: temp.opened, named: "e", options: ImportOptions(policy: .skip, keptSkips: 2))
  #expect(two.skippedRecords.count == 2 && two.skippedTotal == 3)
  let none = try COCOImporter(path: url.path).importDataset(
    into: temp.opened, named: "f", options: ImportOptions(policy: .skip, keptSkips: 0))
  #expect(none.skippedRecords.isEmpty && none.skippedTotal == 3)
}

/// A replacement that kept less than the minimum share of what it read is refused and
/// changes nothing; 0 (forced) lets it through; a first import is never checked.
@Test func replacingNeedsTheMinimumKeptShare() throws {
  let temp = try TemporaryStore()
  let good = temp.directory.appendingPathComponent("good.json")
  let bad = temp.directory.appendingPathComponent("bad.json")
  try Data(
    #"""
    {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
     "categories": [{"id": 1, "name": "a"}],
     "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 40, 40]},
      {"id": 2, "image_id": 1, "category_id": 1, "bbox": [0, 0, 30, 30]}]}
    """#.utf8
  ).write(to: good)
  try Data(instances.utf8).write(to: bad)
  // 3 of 6 records kept (1 category, 1 image, 1 annotation): exactly 0.5.
  let first = try COCOImporter(path: bad.path).importDataset(
    into: temp.opened, named: "n", options: ImportOptions(policy: .skip))
  #expect(first.keptFraction == 0.5 && !first.replaced)
  _ = try COCOImporter(path: good.path).importDataset(into: temp.opened, named: "d")
  let error = #expect(throws: StoreError.self) {
    try COCOImporter(path: bad.path).importDataset(
      into: temp.opened, named: "d",
      options: ImportOptions(replace: true, policy: .skip, minimumKeptFraction: 0.6))
  }
  #expect(error?.code == .tooFewKept && error?.report?.skippedTotal == 3)
  #expect(
    error?.message.contains("kept 3 of the 6 records") == true, "\(String(describing: error))")
  #expect(try temp.opened.dataset(named: "d").annotations == 2)
  let replaced = try COCOImporter(path: bad.path).importDataset(
    into: temp.opened, named: "d", options: ImportOptions(replace: true, policy: .skip))
  #expect(replaced.replaced && replaced.annotations == 1)

  // Detection sets: 734 good detections are not replaced by a file whose every record is
  // skipped, unless forced.
  let dets = temp.directory.appendingPathComponent("dets.json")
  let wrong = temp.directory.appendingPathComponent("wrong.json")
  try Data(#"[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 4], "score": 1}]"#.utf8)
    .write(to: dets)
  try Data(#"[{"image_id": 5, "category_id": 1, "bbox": [0, 0, 4, 4], "score": 1}]"#.utf8)
    .write(to: wrong)
  _ = try COCOResultsImporter(path: dets.path).importDetections(into: temp.opened, dataset: "d")
  #expect(throws: StoreError.self) {
    try COCOResultsImporter(path: wrong.path).importDetections(
      into: temp.opened, dataset: "d", options: ImportOptions(replace: true, policy: .skip))
  }
  #expect(try temp.opened.detectionCount(in: "d") == 1)
  let forced = try COCOResultsImporter(path: wrong.path).importDetections(
    into: temp.opened, dataset: "d",
    options: ImportOptions(replace: true, policy: .skip, minimumKeptFraction: 0))
  #expect(forced.replaced && forced.detections == 0)
  #expect(try temp.opened.detectionCount(in: "d") == 0)
}
