import Foundation
import Testing

@testable import DetStore

/// The columns evaluation reads: every row of the dataset once, in import order, none of
/// another dataset's, also when the datasets' detections interleave in the table.
@Suite struct EvalColumnsTests {
  private func importDataset(_ temp: TemporaryStore, _ name: String) throws {
    let gt = temp.directory.appendingPathComponent("gt-\(name).json")
    try Data(
      #"""
      {"images": [{"id": 3, "file_name": "a.jpg", "width": 100, "height": 100},
                  {"id": 1, "file_name": "b.jpg", "width": 100, "height": 100}],
       "categories": [{"id": 1, "name": "a"}, {"id": "x", "name": "b"}],
       "annotations": [
         {"id": 0, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "area": 7.5,
          "iscrowd": 0, "segmentation": [[1, 2, 3, 4, 5, 6]]},
         {"id": 9, "image_id": 3, "category_id": "x", "bbox": [5, 6, 7, 8], "area": 50,
          "iscrowd": 1},
         {"id": "z0", "image_id": 3, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1,
          "iscrowd": 0}]}
      """#.utf8
    ).write(to: gt)
    _ = try COCOImporter(path: gt.path).importDataset(into: temp.opened, named: name)
  }

  /// Imports detections whose scores number them: `first ..< first + images.count`.
  private func importDetections(
    _ temp: TemporaryStore, _ name: String, images: [Int], first: Int, replace: Bool = false
  ) throws {
    let results = temp.directory.appendingPathComponent("dt-\(name)-\(first).json")
    let rows = images.enumerated().map { n, image in
      #"{"image_id": \#(image), "category_id": 1, "bbox": [1, 2, 3, 4], "score": \#(first + n)}"#
    }
    try Data("[\(rows.joined(separator: ","))]".utf8).write(to: results)
    var options = ImportOptions()
    options.replace = replace
    _ = try COCOResultsImporter(path: results.path).importDetections(
      into: temp.opened, dataset: name, options: options)
  }

  private func scores(_ temp: TemporaryStore, _ name: String) throws -> ([Double], Int) {
    var seen: [Double] = []
    var counted = -1
    try temp.opened.forEachDetectionBox(
      in: name, count: { counted = $0 }, { seen.append($0.score) })
    return (seen, counted)
  }

  @Test func detectionsInImportOrderOfTheirDatasetOnly() throws {
    let temp = try TemporaryStore()
    try importDataset(temp, "a")
    try importDataset(temp, "b")
    try importDataset(temp, "empty")
    try importDetections(temp, "a", images: [3, 1, 3, 1], first: 0)
    try importDetections(temp, "b", images: [1, 3, 3], first: 100)
    #expect(try scores(temp, "a") == ([0, 1, 2, 3], 4))
    #expect(try scores(temp, "b") == ([100, 101, 102], 3))
    // Replacing a's detections puts its rows after b's: still its own, in file order.
    try importDetections(temp, "a", images: [1, 1, 3], first: 10, replace: true)
    #expect(try scores(temp, "a").0 == [10, 11, 12])
    #expect(try scores(temp, "b").0 == [100, 101, 102])
    #expect(try scores(temp, "empty") == ([], 0))
    #expect(throws: StoreError.self) { try scores(temp, "nope") }
    var rows: [EvalDetectionRow] = []
    try temp.opened.forEachDetectionBox(in: "b") { rows.append($0) }
    #expect(rows.map(\.imageID) == [.int(1), .int(3), .int(3)])
    #expect(rows.allSatisfy { $0.categoryID == .int(1) && $0.x == 1 && $0.height == 4 })
  }

  /// Parts, one after the other, are the whole read, for any number of parts (also more
  /// parts than rows).
  @Test(arguments: [1, 2, 3, 7, 12])
  func partsConcatenateToTheWhole(_ parts: Int) throws {
    let temp = try TemporaryStore()
    try importDataset(temp, "a")
    try importDataset(temp, "b")
    try importDetections(temp, "a", images: [3, 1, 3, 1, 1, 3, 1], first: 0)
    try importDetections(temp, "b", images: [1, 3, 3], first: 100)
    try importDetections(temp, "a", images: [1, 1, 3, 3, 1, 1, 3, 3, 1], first: 10, replace: true)
    var joined: [Double] = []
    var counted = 0
    for part in 0..<parts {
      try temp.opened.forEachDetectionBox(
        in: "a", part: part, of: parts, count: { counted += $0 }, { joined.append($0.score) })
    }
    #expect(joined == (10..<19).map(Double.init))
    #expect(counted == 9)
  }

  @Test func groundTruthColumnsWithoutSegmentations() throws {
    let temp = try TemporaryStore()
    try importDataset(temp, "a")
    var rows: [EvalGroundTruthRow] = []
    try temp.opened.forEachGroundTruthBox(in: "a") { rows.append($0) }
    #expect(rows.map(\.imageID) == [.int(1), .int(3), .int(3)])
    #expect(rows.map(\.categoryID) == [.int(1), .text("x"), .int(1)])
    // Only the integer id 0 reads as pycocotools' "no match" id.
    #expect(rows.map(\.hasZeroID) == [true, false, false])
    #expect(rows.map(\.area) == [7.5, 50, 1])
    #expect(rows.map(\.isCrowd) == [false, true, false])
    #expect(rows[1].x == 5 && rows[1].y == 6 && rows[1].width == 7 && rows[1].height == 8)
    #expect(throws: StoreError.self) { try temp.opened.forEachGroundTruthBox(in: "nope") { _ in } }
  }
}
