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
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: sharedDatasets.appendingPathComponent(gt).path)
    .importDataset(into: temp.opened, named: "gt")
  let url = sharedDatasets.appendingPathComponent(results)
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
  let temp = try TemporaryStore()
  _ = try COCOImporter(
    path: sharedDatasets.appendingPathComponent("coco_val2014_100/instances_val2014_100.json").path
  ).importDataset(into: temp.opened, named: "gt")
  let segm = sharedDatasets.appendingPathComponent(
    "coco_val2014_100/instances_val2014_fakesegm100_results.json"
  ).path
  #expect {
    _ = try COCOResultsImporter(path: segm).importDetections(into: temp.opened, dataset: "gt")
  } throws: { ($0 as? StoreError)?.reason == .missingBox && "\($0)".contains("[0]") }
  let report = try COCOResultsImporter(path: segm).importDetections(
    into: temp.opened, dataset: "gt", options: ImportOptions(policy: .skip))
  #expect(report.detections == 0 && report.skipped == [.missingBox: 734])
}

@Test func anInstancesFileIsNotAResultsFile() throws {
  let temp = try TemporaryStore()
  _ = try temp.opened.importDataset(named: "gt", format: "t", source: "m") { _ in }
  let path = try writeTemp("{\"images\": []}", in: temp)
  #expect {
    _ = try COCOResultsImporter(path: path).importDetections(into: temp.opened, dataset: "gt")
  } throws: { ($0 as? StoreError)?.code == .malformedInput && "\($0)".contains("import coco") }
}
