import Foundation
import Testing

@testable import DetStore

/// Issue 15's promise for formats that cannot hold a crowd box (VOC, YOLO): over every COCO
/// sample (shared datasets and fixtures), an export either writes every box or refuses with
/// the exact crowd count, writing nothing; `.drop` writes exactly the others and says how
/// many it dropped.
private func expectCountedRefusal(_ source: URL) throws {
  let temp = try TemporaryStore()
  try COCOImporter(path: source.path).importDataset(
    into: temp.opened, named: "d", options: ImportOptions(policy: .skip))
  var boxes = 0
  var crowd = 0
  try temp.opened.forEachAnnotation(in: "d") {
    boxes += 1
    if $0.isCrowd { crowd += 1 }
  }
  for format in ["voc", "yolo"] {
    let out = temp.directory.appendingPathComponent("\(format)-refuse")
    func export(_ policy: CrowdPolicy, to folder: URL) throws -> ExportReport {
      format == "voc"
        ? try VOCExporter(path: folder.path, crowd: policy).export(from: temp.opened, dataset: "d")
        : try YOLOExporter(path: folder.path, crowd: policy).export(
          from: temp.opened, dataset: "d")
    }
    if crowd == 0 {
      let written = try export(.refuse, to: out)
      #expect(written.annotations == boxes, "\(source.lastPathComponent) \(format)")
      continue
    }
    do {
      _ = try export(.refuse, to: out)
      Issue.record("\(source.lastPathComponent): \(format) export of \(crowd) crowd boxes")
    } catch let error as StoreError {
      #expect(error.code == .unsupported)
      #expect(
        "\(error)".contains("has \(crowd) crowd \(crowd == 1 ? "box," : "boxes,")"), "\(error)")
    }
    #expect(!FileManager.default.fileExists(atPath: out.path), "a refusal writes nothing")
    let dropped = try export(.drop, to: temp.directory.appendingPathComponent("\(format)-drop"))
    #expect(dropped.annotations == boxes - crowd, "\(source.lastPathComponent) \(format)")
    #expect(
      dropped.losses.contains { $0.count == crowd && $0.what.contains("crowd") },
      "\(dropped.losses)")
  }
}

@Test(
  "every shared COCO sample exports to VOC and YOLO whole or with a counted refusal",
  .enabled(if: datasetsPresent, "../shared/datasets is absent"),
  arguments: cocoSamples)
func sharedSampleExportsOrRefusesWithACount(sample: String) throws {
  try expectCountedRefusal(sharedDatasets.appendingPathComponent(sample))
}

@Test(
  "every COCO fixture exports to VOC and YOLO whole or with a counted refusal",
  arguments: cocoFixtures)
func fixtureExportsOrRefusesWithACount(sample: String) throws {
  try expectCountedRefusal(FormatFixtures.fixture("formats/" + sample))
}
