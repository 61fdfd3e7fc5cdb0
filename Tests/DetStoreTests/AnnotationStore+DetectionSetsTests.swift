import Foundation
import Testing

@testable import DetStore

/// Evaluation's read (`forEachDetectionBox`): every detection once, in file order, also when
/// read in parts; and the count.
@Test func detectionBoxesComeInFileOrderAndParts() throws {
  let temp = try TemporaryStore()
  let gt = temp.directory.appendingPathComponent("gt.json")
  try Data(
    #"""
    {"images": [{"id": 3, "file_name": "a.jpg", "width": 100, "height": 100},
                {"id": 1, "file_name": "b.jpg", "width": 100, "height": 100}],
     "categories": [{"id": 1, "name": "a"}], "annotations": []}
    """#.utf8
  ).write(to: gt)
  _ = try COCOImporter(path: gt.path).importDataset(into: temp.opened, named: "d")
  let results = temp.directory.appendingPathComponent("dt.json")
  // Images interleaved; the score numbers the detections in file order.
  let images = [3, 1, 3, 1, 1, 3]
  let rows = images.enumerated().map { n, image in
    #"{"image_id": \#(image), "category_id": 1, "bbox": [1, 2, 3, 4], "score": \#(n)}"#
  }
  try Data("[\(rows.joined(separator: ","))]".utf8).write(to: results)
  _ = try COCOResultsImporter(path: results.path).importDetections(
    into: temp.opened, dataset: "d")

  var seen: [(RecordID, Double)] = []
  try temp.opened.forEachDetectionBox(in: "d") { seen.append(($0.imageID, $0.score)) }
  #expect(seen.map(\.1) == [0, 1, 2, 3, 4, 5])
  #expect(seen.map(\.0) == images.map { RecordID.int(Int64($0)) })
  var parts: [Double] = []
  for part in 0..<2 {
    try temp.opened.forEachDetectionBox(in: "d", part: part, of: 2) { parts.append($0.score) }
  }
  #expect(parts == [0, 1, 2, 3, 4, 5])
  #expect(try temp.opened.detectionCount(in: "d") == 6)
  #expect(throws: StoreError.self) { try temp.opened.detectionCount(in: "nope") }
}

/// Imports datasets `names` of one 100 x 100 image, one category and no boxes into `temp`.
private func importOneImageDatasets(_ names: [String], into temp: TemporaryStore) throws {
  let gt = temp.directory.appendingPathComponent("gt.json")
  try Data(
    #"""
    {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
     "categories": [{"id": 1, "name": "a"}], "annotations": []}
    """#.utf8
  ).write(to: gt)
  for name in names {
    _ = try COCOImporter(path: gt.path).importDataset(into: temp.opened, named: name)
  }
}

/// Evaluation's read keeps to one detection set; counts are per set.
@Test func detectionBoxesReadOneSet() throws {
  let temp = try TemporaryStore()
  try importOneImageDatasets(["d"], into: temp)
  for (set, scores) in [("a", [0.5, 0.25]), ("b", [0.75])] {
    let results = temp.directory.appendingPathComponent("\(set).json")
    let rows = scores.map {
      #"{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": \#($0)}"#
    }
    try Data("[\(rows.joined(separator: ","))]".utf8).write(to: results)
    _ = try COCOResultsImporter(path: results.path).importDetections(
      into: temp.opened, dataset: "d", set: set)
  }
  var seen: [Double] = []
  try temp.opened.forEachDetectionBox(in: "d", set: "a") { seen.append($0.score) }
  #expect(seen == [0.5, 0.25])
  #expect(try temp.opened.detectionCount(in: "d", set: "b") == 1)
  #expect(try temp.opened.detectionCount(in: "d", set: "none") == 0)
  #expect(try temp.opened.resolveDetectionSet("b", of: "d") == "b")
  #expect(throws: StoreError.self) { try temp.opened.resolveDetectionSet(nil, of: "d") }
  #expect(throws: StoreError.self) { try temp.opened.resolveDetectionSet("none", of: "d") }
}

/// Resolving the set to read (index seeks, no counting): the only set, `default` for none,
/// and errors that list the sets.
@Test func resolvingTheSetToRead() throws {
  let temp = try TemporaryStore()
  try importOneImageDatasets(["d", "e"], into: temp)
  #expect(try temp.opened.resolveDetectionSet(nil, of: "d") == "default")
  #expect(throws: StoreError.self) { try temp.opened.resolveDetectionSet("x", of: "d") }
  #expect(throws: StoreError.self) { try temp.opened.resolveDetectionSet(nil, of: "nope") }
  func add(_ dataset: String, _ set: String) throws {
    let results = temp.directory.appendingPathComponent("\(dataset)-\(set).json")
    try Data(#"[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5}]"#.utf8)
      .write(to: results)
    _ = try COCOResultsImporter(path: results.path).importDetections(
      into: temp.opened, dataset: dataset, set: set)
  }
  // Another dataset's sets do not count.
  try add("e", "a")
  try add("d", "m")
  try add("e", "z")
  #expect(try temp.opened.resolveDetectionSet(nil, of: "d") == "m")
  #expect(try temp.opened.resolveDetectionSet("m", of: "d") == "m")
  try add("d", "b")
  #expect(try temp.opened.resolveDetectionSet("b", of: "d") == "b")
  let error = #expect(throws: StoreError.self) { try temp.opened.resolveDetectionSet(nil, of: "d") }
  #expect(error?.message.contains("2 detection sets (b, m)") == true)
  let unknown = #expect(throws: StoreError.self) {
    try temp.opened.resolveDetectionSet("a", of: "d")
  }
  #expect(unknown?.message.contains("it has b, m") == true)
}
