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
