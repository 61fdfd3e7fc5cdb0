import Foundation
import Testing

@testable import DetStore

private let enabled = Testing.ConditionTrait.enabled(
  if: datasetsPresent, "../shared/datasets is absent; skipping real samples")

@Test(
  "results files import as detections of their dataset", enabled,
  arguments: [
    (
      "coco_val2014_100/instances_val2014_100.json",
      "coco_val2014_100/instances_val2014_fakebbox100_results.json"
    ),
    ("coco_val2017_small/fce_gt_ignore_test.json", "coco_val2017_small/fce_dt_ignore_test.json"),
    ("visdrone_sahi/coco_evaluate/dataset.json", "visdrone_sahi/coco_evaluate/result.json"),
  ])
func resultsImport(gt: String, results: String) throws {
  try expectResultsImport(
    gt: sharedDatasets.appendingPathComponent(gt),
    results: sharedDatasets.appendingPathComponent(results))
}

/// The fixtures' results files: only the four COCO keys and no final newline; extra keys
/// (id, area, iscrowd, category_name, segmentation []); an image id spelled "2299" and 2299.
@Test(
  "fixture results files import as detections of their dataset",
  arguments: [
    ("coco/crowd_rle.json", "coco/crowd_rle_results_bbox.json"),
    ("coco/string_ids.json", "coco/string_ids_results.json"),
    ("coco/zero_based.json", "coco/zero_based_results.json"),
  ])
func fixtureResultsImport(gt: String, results: String) throws {
  try expectResultsImport(
    gt: FormatFixtures.fixture("formats/" + gt),
    results: FormatFixtures.fixture("formats/" + results))
}

private func expectResultsImport(gt: URL, results url: URL) throws {
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: gt.path).importDataset(into: temp.opened, named: "gt")
  let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [[String: Any]]
  let report = try COCOResultsImporter(path: url.path).importDetections(
    into: temp.opened, dataset: "gt")
  #expect(report.detections == expected.count)
  var scores: [Double] = []
  try temp.opened.forEachDetection(in: "gt") { scores.append($0.score) }
  #expect(scores == expected.map { ($0["score"] as! NSNumber).doubleValue })
  #expect(try temp.opened.dataset(named: "gt").detections == expected.count)
}

@Test("results without a bbox are an error, or skipped as missing-box", enabled)
func segmentationOnlyResults() throws {
  try expectSegmentationOnlyResultsRefused(
    gt: sharedDatasets.appendingPathComponent("coco_val2014_100/instances_val2014_100.json"),
    segm: sharedDatasets.appendingPathComponent(
      "coco_val2014_100/instances_val2014_fakesegm100_results.json"),
    count: 734)
}

@Test("fixture results without a bbox are an error, or skipped as missing-box")
func fixtureSegmentationOnlyResults() throws {
  try expectSegmentationOnlyResultsRefused(
    gt: FormatFixtures.fixture("formats/coco/crowd_rle.json"),
    segm: FormatFixtures.fixture("formats/coco/crowd_rle_results_segm.json"), count: 5)
}

private func expectSegmentationOnlyResultsRefused(gt: URL, segm url: URL, count: Int) throws {
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: gt.path).importDataset(into: temp.opened, named: "gt")
  let segm = url.path
  #expect {
    _ = try COCOResultsImporter(path: segm).importDetections(into: temp.opened, dataset: "gt")
  } throws: { ($0 as? StoreError)?.reason == .missingBox && "\($0)".contains("[0]") }
  let report = try COCOResultsImporter(path: segm).importDetections(
    into: temp.opened, dataset: "gt", options: ImportOptions(policy: .skip))
  #expect(report.detections == 0 && report.skipped == [.missingBox: count])
}

@Test func anInstancesFileIsNotAResultsFile() throws {
  let temp = try TemporaryStore()
  _ = try temp.opened.importDataset(named: "gt", format: "t", source: "m") { _ in }
  let path = try writeTemp("{\"images\": []}", in: temp)
  #expect {
    _ = try COCOResultsImporter(path: path).importDetections(into: temp.opened, dataset: "gt")
  } throws: { ($0 as? StoreError)?.code == .malformedInput && "\($0)".contains("import coco") }
}

/// Detections are evaluated as given (issue 17): an empty box and one beyond its image are
/// stored unchanged and counted in warnings; `clip` clips the second; a negative size is
/// still refused.
@Test func emptyAndOutsideDetectionsAreKeptAsGivenAndCounted() throws {
  let temp = try TemporaryStore()
  let gt = try writeTemp(
    #"{"images":[{"id":1,"width":100,"height":50,"file_name":"a.jpg"}],"annotations":[],"categories":[{"id":3,"name":"c"}]}"#,
    in: temp, name: "gt.json")
  try COCOImporter(path: gt).importDataset(into: temp.opened, named: "d")
  let results = try writeTemp(
    #"[{"image_id":1,"category_id":3,"bbox":[10,10,0,5],"score":0.9},"#
      + #"{"image_id":1,"category_id":3,"bbox":[90,10,40,20],"score":0.8},"#
      + #"{"image_id":1,"category_id":3,"bbox":[1,1,2,2],"score":0.7}]"#,
    in: temp, name: "r.json")
  let report = try COCOResultsImporter(path: results).importDetections(
    into: temp.opened, dataset: "d")
  #expect(report.detections == 3)
  #expect(report.warnings.contains { $0.hasPrefix("kept 1 detections of zero width") })
  #expect(report.warnings.contains { $0.hasPrefix("kept 1 detections that extend beyond") })
  var boxes: [[Double]] = []
  try temp.opened.forEachDetection(in: "d") {
    boxes.append([$0.x, $0.y, $0.width, $0.height])
  }
  #expect(boxes == [[10, 10, 0, 5], [90, 10, 40, 20], [1, 1, 2, 2]])

  let clipped = try COCOResultsImporter(path: results).importDetections(
    into: temp.opened, dataset: "d", set: "clipped", options: ImportOptions(clip: true))
  #expect(clipped.clipped == 1 && clipped.detections == 3)
  boxes = []
  try temp.opened.forEachDetection(in: "d", set: "clipped") {
    boxes.append([$0.x, $0.y, $0.width, $0.height])
  }
  #expect(boxes[1] == [90, 10, 10, 20])

  let negative = try writeTemp(
    #"[{"image_id":1,"category_id":3,"bbox":[10,10,-1,5],"score":0.9}]"#, in: temp,
    name: "n.json")
  #expect(throws: StoreError.self) {
    try COCOResultsImporter(path: negative).importDetections(
      into: temp.opened, dataset: "d", set: "negative")
  }
}
