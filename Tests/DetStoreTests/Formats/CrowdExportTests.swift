import Foundation
import Testing

@testable import DetStore

/// The kept-members fixture: 4 annotations, one of them crowd (`iscrowd: true`), 3
/// categories of which one (`unused`) has no box, 2 segmentations, and the top-level
/// members info, licenses, trailing, type.
private func crowdFixtureStore() throws -> TemporaryStore {
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: FormatFixtures.fixture("formats/coco_kept_members.json").path)
    .importDataset(into: temp.opened, named: "d")
  return temp
}

@Test func vocAndYOLORefuseCrowdBoxesByDefaultAndWriteNothing() throws {
  let temp = try crowdFixtureStore()
  #expect(try temp.opened.crowdCount(in: "d") == 1)
  let voc = temp.directory.appendingPathComponent("voc")
  let yolo = temp.directory.appendingPathComponent("yolo")
  for (exporter, out) in [
    (VOCExporter(path: voc.path) as any DatasetExporter, voc),
    (YOLOExporter(path: yolo.path), yolo),
    (YOLOExporter(path: yolo.path, crowd: .asDifficult), yolo),
  ] {
    do {
      try exporter.export(from: temp.opened, dataset: "d", progress: nil)
      Issue.record("\(exporter) exported a dataset with a crowd box")
    } catch let error as StoreError {
      #expect(error.code == .unsupported)
      // "has 1 crowd box, which ..." or "... the 1 crowd box of dataset ..."
      #expect(
        error.message.contains("1 crowd box,") || error.message.contains("1 crowd box of"),
        "\(error)")
      #expect(error.message.contains("--crowd drop"), "\(error)")
    }
    #expect(!FileManager.default.fileExists(atPath: out.path), "\(out.path) was written")
  }
}

@Test func vocDropsOrMarksCrowdBoxesAsAskedAndReportsWhatItCannotHold() throws {
  let temp = try crowdFixtureStore()
  let dropped = try VOCExporter(
    path: temp.directory.appendingPathComponent("drop").path, crowd: .drop
  ).export(from: temp.opened, dataset: "d")
  #expect(dropped.annotations == 3)
  #expect(
    dropped.losses == [
      ExportLoss("crowd boxes dropped", count: 1),
      ExportLoss("top-level members (info, licenses, trailing, type)", count: 4),
      ExportLoss("images' source members (e.g. coco_url, license)", count: 2),
      ExportLoss("categories' source members", count: 1),
      ExportLoss("annotations' source members (e.g. ignore, attributes)", count: 4),
      ExportLoss("segmentations", count: 2),
      ExportLoss("categories without boxes (VOC has no category list)", count: 1),
    ], "\(dropped.losses)")
  let marked = try VOCExporter(
    path: temp.directory.appendingPathComponent("mark").path, crowd: .asDifficult
  ).export(from: temp.opened, dataset: "d")
  #expect(marked.annotations == 4)
  #expect(
    marked.losses.first
      == ExportLoss("crowd flags (those boxes are written as difficult)", count: 1))
  let xml = try String(
    contentsOf: temp.directory.appendingPathComponent("mark/Annotations/000000002299.xml"),
    encoding: .utf8)
  // Image 2299 has one ordinary box and the crowd box; only the crowd box is difficult.
  #expect(xml.components(separatedBy: "<object>").count == 3)
  #expect(xml.components(separatedBy: "<difficult>1</difficult>").count == 2)
}

@Test func yoloDropsCrowdBoxesWhenAsked() throws {
  let temp = try crowdFixtureStore()
  let out = temp.directory.appendingPathComponent("yolo")
  let report = try YOLOExporter(path: out.path, crowd: .drop).export(
    from: temp.opened, dataset: "d")
  #expect(report.annotations == 3)
  #expect(report.losses.first == ExportLoss("crowd boxes dropped", count: 1))
  #expect(!report.losses.contains { $0.what.hasPrefix("categories without boxes") })
  let labels = try String(
    contentsOf: out.appendingPathComponent("labels/000000002299.txt"), encoding: .utf8)
  #expect(labels.split(separator: "\n").count == 1)
}
