import Foundation
import Testing

@testable import DetStore

@Test func detectionSetsImportSideBySideAndExportEqualAsJSON() throws {
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: FormatFixtures.fixture("formats/coco_kept_members.json").path)
    .importDataset(into: temp.opened, named: "d")
  let results = FormatFixtures.fixture("formats/coco_kept_members_results.json")
  let a = try COCOResultsImporter(path: results.path).importDetections(
    into: temp.opened, dataset: "d")
  let b = try COCOResultsImporter(path: results.path).importDetections(
    into: temp.opened, dataset: "d", set: "model-b")
  #expect(a.detections == 3 && b.detections == 3)
  let sets = try temp.opened.detectionSets(of: "d")
  #expect(sets.map(\.name) == ["default", "model-b"] && sets.map(\.detections) == [3, 3])
  #expect(try temp.opened.dataset(named: "d").detections == 6)
  // A second import into a named set is refused without replace; other sets stay.
  #expect(throws: StoreError.self) {
    try COCOResultsImporter(path: results.path).importDetections(
      into: temp.opened, dataset: "d", set: "model-b")
  }
  var scores: [Double] = []
  try temp.opened.forEachDetection(in: "d", set: "model-b") { scores.append($0.score) }
  #expect(scores == [0.9, 0.125, 1])
  for set in ["default", "model-b"] {
    let out = temp.directory.appendingPathComponent("\(set).json")
    #expect(
      try COCOResultsExporter(path: out.path, set: set).export(from: temp.opened, dataset: "d") == 3
    )
    let difference = try JSONValue.parse(contentsOf: results)
      .firstDifference(from: try JSONValue.parse(contentsOf: out))
    #expect(difference == nil, "\(set): \(difference ?? "")")
  }
  #expect(throws: StoreError.self) {
    try COCOResultsExporter(
      path: temp.directory.appendingPathComponent("x.json").path, set: "nope"
    ).export(from: temp.opened, dataset: "d")
  }
}

@Test(
  "the shared results files come back equal as JSON",
  .enabled(if: datasetsPresent, "../shared/datasets is absent; skipping real samples"),
  arguments: [
    (
      "coco_val2014_100/instances_val2014_100.json",
      "coco_val2014_100/instances_val2014_fakebbox100_results.json"
    ),
    ("coco_val2017_small/fce_gt_ignore_test.json", "coco_val2017_small/fce_dt_ignore_test.json"),
    ("visdrone_sahi/coco_evaluate/dataset.json", "visdrone_sahi/coco_evaluate/result.json"),
  ])
func sharedResultsRoundTrip(instances: String, results: String) throws {
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: sharedDatasets.appendingPathComponent(instances).path)
    .importDataset(into: temp.opened, named: "d")
  let source = sharedDatasets.appendingPathComponent(results)
  _ = try COCOResultsImporter(path: source.path).importDetections(
    into: temp.opened, dataset: "d", set: "s")
  let out = temp.directory.appendingPathComponent("out.json")
  try COCOResultsExporter(path: out.path, set: "s").export(from: temp.opened, dataset: "d")
  let difference = try JSONValue.parse(contentsOf: source)
    .firstDifference(from: try JSONValue.parse(contentsOf: out))
  #expect(difference == nil, "\(results): \(difference ?? "")")
}

@Test func detectionsOfAStoreMadeBeforeSetsAreTheDefaultSet() throws {
  let directory = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let path = directory.appendingPathComponent("v2.sqlite").path
  do {
    let database = try Database(path: path)
    for migration in Schema.migrations.prefix(2) { try database.execute(migration.sql) }
    try database.execute(
      """
      PRAGMA user_version = 2;
      INSERT INTO datasets (id, name, format, source) VALUES (1, 'old', 'coco', 'x.json');
      INSERT INTO detections (dataset_id, image_id, category_id, x, y, w, h, score)
        VALUES (1, 5, 1, 1, 2, 3, 4, 0.5);
      """)
  }
  let store = try AnnotationStore(path: path)
  let sets = try store.detectionSets(of: "old")
  #expect(sets.map(\.name) == ["default"] && sets.map(\.detections) == [1])
  var boxes: [DetectionRecord] = []
  try store.forEachDetection(in: "old") { boxes.append($0) }
  #expect(
    boxes == [
      DetectionRecord(
        imageID: .int(5), categoryID: .int(1), x: 1, y: 2, width: 3, height: 4, score: 0.5)
    ])
}
