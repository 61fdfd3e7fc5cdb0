import Foundation
import Testing

@testable import DetStore

/// A dataset whose file names share last components and stems, with crowd and difficult
/// boxes: images 1 `a/x.jpg` (2 dog, 1 crowd cat), 2 `b/x.jpg` (none), "s7" `c/y.png` (1
/// difficult dog), 4 `d/y.jpeg`, 5 `z.jpg` (1 cat).
private func findStore() throws -> TemporaryStore {
  let temp = try TemporaryStore()
  let url = temp.directory.appendingPathComponent("find.json")
  try Data(
    #"""
    {"images": [{"id": 1, "file_name": "a/x.jpg", "width": 10, "height": 10},
                {"id": 2, "file_name": "b/x.jpg", "width": 10, "height": 10},
                {"id": "s7", "file_name": "c/y.png", "width": 10, "height": 10},
                {"id": 4, "file_name": "d/y.jpeg", "width": 10, "height": 10},
                {"id": 5, "file_name": "z.jpg", "width": 10, "height": 10}],
     "categories": [{"id": 1, "name": "dog"}, {"id": 2, "name": "cat"}],
     "annotations": [
      {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]},
      {"id": 2, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]},
      {"id": 3, "image_id": 1, "category_id": 2, "bbox": [0, 0, 5, 5], "iscrowd": 1},
      {"id": 4, "image_id": "s7", "category_id": 1, "bbox": [0, 0, 3, 3], "difficult": 1},
      {"id": 5, "image_id": 5, "category_id": 2, "bbox": [0, 0, 4, 4]}]}
    """#.utf8
  ).write(to: url)
  _ = try COCOImporter(path: url.path).importDataset(into: temp.opened, named: "f")
  return temp
}

@Test func findImageByIDFileNameLastComponentOrStem() throws {
  let temp = try findStore()
  let store = temp.opened
  #expect(try store.findImage(in: "f", named: "2").fileName == "b/x.jpg")
  #expect(try store.findImage(in: "f", named: "s7").fileName == "c/y.png")
  #expect(try store.findImage(in: "f", named: "a/x.jpg").id == .int(1))
  #expect(try store.findImage(in: "f", named: "y.png").id == .text("s7"))
  #expect(try store.findImage(in: "f", named: "z").id == .int(5))
  #expect(try store.findImage(in: "f", named: "z.jpg").id == .int(5))
  // "x.jpg" is the last component of two images; "y" the stem of two.
  for (key, ids) in [
    ("x.jpg", ["1 (a/x.jpg)", "2 (b/x.jpg)"]), ("y", ["s7 (c/y.png)", "4 (d/y.jpeg)"]),
  ] {
    let error = #expect(throws: StoreError.self) { try store.findImage(in: "f", named: key) }
    #expect(error?.code == .notFound)
    for id in ids { #expect(error?.message.contains(id) == true, "\(String(describing: error))") }
  }
  let missing = #expect(throws: StoreError.self) { try store.findImage(in: "f", named: "w") }
  #expect(missing?.message.contains("no image with id, file name or file stem \"w\"") == true)
  #expect(throws: StoreError.self) { try store.findImage(in: "nope", named: "1") }
}

@Test func imageListingCountsBoxesAndFilters() throws {
  let temp = try findStore()
  func ids(_ filter: ImageFilter) throws -> [String] {
    var out: [String] = []
    try temp.opened.forEachImage(in: "f", matching: filter) { out.append("\($0.image.id)") }
    return out
  }
  var all: [ImageListing] = []
  try temp.opened.forEachImage(in: "f", matching: ImageFilter()) { all.append($0) }
  #expect(all.map(\.image.fileName) == ["a/x.jpg", "b/x.jpg", "c/y.png", "d/y.jpeg", "z.jpg"])
  #expect(all.map(\.boxes) == [3, 0, 1, 0, 1])
  #expect(all.map(\.crowd) == [1, 0, 0, 0, 0])
  #expect(all.map(\.difficult) == [0, 0, 1, 0, 0])
  #expect(all.map(\.categories) == [["cat", "dog"], [], ["dog"], [], ["cat"]])

  #expect(try ids(ImageFilter(categories: ["cat"])) == ["1", "5"])
  #expect(try ids(ImageFilter(categories: ["cat", "dog"])) == ["1", "s7", "5"])
  #expect(try ids(ImageFilter(fileGlob: "*y.*")) == ["s7", "4"])
  #expect(try ids(ImageFilter(fileGlob: "*/*")) == ["1", "2", "s7", "4"])
  #expect(try ids(ImageFilter(minimumBoxes: 1, maximumBoxes: 1)) == ["s7", "5"])
  #expect(try ids(ImageFilter(maximumBoxes: 0)) == ["2", "4"])
  #expect(try ids(ImageFilter(hasCrowd: true)) == ["1"])
  #expect(try ids(ImageFilter(hasCrowd: false, hasDifficult: false)) == ["2", "4", "5"])
  #expect(try ids(ImageFilter(categories: ["dog"], hasDifficult: true)) == ["s7"])
}

@Test func lossRunsAndDetectionSetsAreListed() throws {
  let temp = try findStore()
  let store = temp.opened
  #expect(try store.lossRuns().isEmpty && store.detectionSets().isEmpty)
  try store.recordLossRun(
    named: "r1", dataset: "f", head: "retinanet",
    records: [
      ImageLossRecord(
        imageID: .int(1), fileName: "a/x.jpg", classification: 1, box: 0.5, positives: 3,
        ignored: 0),
      ImageLossRecord(
        imageID: .int(5), fileName: "z.jpg", classification: 0.25, box: 0.25, positives: 1,
        ignored: 0),
    ])
  let runs = try store.lossRuns()
  #expect(runs.map(\.name) == ["r1"] && runs[0].dataset == "f" && runs[0].head == "retinanet")
  #expect(runs[0].images == 2 && runs[0].meanLoss == 1)
  let results = temp.directory.appendingPathComponent("dt.json")
  try Data(#"[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}]"#.utf8)
    .write(to: results)
  for set in ["m2", "m1", "m2b"] {
    _ = try COCOResultsImporter(path: results.path).importDetections(
      into: store, dataset: "f", set: set)
  }
  #expect(
    try store.detectionSets()
      == ["m1", "m2", "m2b"].map { DetectionSetInfo(dataset: "f", name: $0, detections: 1) })
}
