import Foundation
import Testing

@testable import DetStore

/// Every progress fraction a handler received, in call order (calls may come from any thread).
private final class ProgressLog: @unchecked Sendable {
  private let lock = NSLock()
  private var storage: [Double] = []

  var handler: ProgressHandler { { value in self.lock.withLock { self.storage.append(value) } } }
  var values: [Double] { lock.withLock { storage } }

  /// Empty when the fractions were at least one, all in [0, 1] and non-decreasing.
  var problems: [String] {
    let v = values
    var out: [String] = []
    if v.isEmpty { out.append("never called") }
    if let bad = v.first(where: { !(0...1).contains($0) }) { out.append("\(bad) outside [0, 1]") }
    if zip(v, v.dropFirst()).contains(where: { $0 > $1 }) { out.append("decreasing: \(v)") }
    return out
  }
}

private func write(_ text: String, _ url: URL) throws {
  try FileManager.default.createDirectory(
    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
  try Data(text.utf8).write(to: url)
}

/// One small dataset written in each format: 2 categories (cat, dog), 2 images, 3 boxes.
private func writeSources(in dir: URL) throws -> (coco: URL, voc: URL, yolo: URL) {
  let coco = dir.appendingPathComponent("coco.json")
  try write(
    """
    {"images": [{"id": 1, "file_name": "a.png", "width": 100, "height": 80},
                {"id": 2, "file_name": "b.png", "width": 100, "height": 80}],
     "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
     "annotations": [
       {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]},
       {"id": 2, "image_id": 1, "category_id": 2, "bbox": [40, 30, 10, 10]},
       {"id": 3, "image_id": 2, "category_id": 2, "bbox": [0, 0, 50, 40]}]}
    """, coco)

  let voc = dir.appendingPathComponent("voc")
  func object(_ name: String, _ box: String) -> String {
    let v = box.split(separator: " ")
    return
      "<object><name>\(name)</name><bndbox><xmin>\(v[0])</xmin><ymin>\(v[1])</ymin><xmax>\(v[2])</xmax><ymax>\(v[3])</ymax></bndbox></object>"
  }
  for (file, objects) in [
    ("a", [object("cat", "10 10 30 30"), object("dog", "40 30 50 40")]),
    ("b", [object("dog", "0 0 50 40")]),
  ] {
    try write(
      "<annotation><filename>\(file).png</filename><size><width>100</width><height>80</height></size>"
        + objects.joined() + "</annotation>", voc.appendingPathComponent("\(file).xml"))
  }

  let yolo = dir.appendingPathComponent("yolo")
  try FileManager.default.createDirectory(at: yolo, withIntermediateDirectories: true)
  for file in ["a.png", "b.png"] {
    try FileManager.default.copyItem(
      at: FormatFixtures.fixture("images/rgb_7x5.png"), to: yolo.appendingPathComponent(file))
  }
  try write("0 0.5 0.5 0.4 0.4\n1 0.5 0.5 0.2 0.2\n", yolo.appendingPathComponent("a.txt"))
  try write("1 0.5 0.5 0.6 0.6\n", yolo.appendingPathComponent("b.txt"))
  try write("cat\ndog\n", yolo.appendingPathComponent("classes.txt"))
  return (coco, voc, yolo)
}

/// The regular files under `dir`, recursively.
private func fileCount(under dir: URL) -> Int {
  var count = 0
  let walker = FileManager.default.enumerator(
    at: dir, includingPropertiesForKeys: [.isRegularFileKey])
  while let url = walker?.nextObject() as? URL {
    if (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
      count += 1
    }
  }
  return count
}

@Test func everyImporterHasOneEntryPointWithProgressAndAReport() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let sources = try writeSources(in: dir)
  let importers: [(String, any DatasetImporter)] = [
    ("coco", COCOImporter(path: sources.coco.path)),
    ("voc", VOCImporter(path: sources.voc.path)),
    ("yolo", YOLOImporter(path: sources.yolo.path)),
  ]
  let temp = try TemporaryStore()
  for (name, importer) in importers {
    let log = ProgressLog()
    let report = try importer.importDataset(
      into: temp.opened, named: name, options: ImportOptions(), progress: log.handler)
    #expect(report.dataset == name)
    #expect(report.categories == 2 && report.images == 2 && report.annotations == 3, "\(name)")
    #expect(report.skippedTotal == 0 && report.warnings.isEmpty, "\(name): \(report)")
    #expect(log.problems.isEmpty, "\(name): \(log.problems)")
  }
}

@Test func everyExporterReportsWhatItWrote() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let sources = try writeSources(in: dir)
  let temp = try TemporaryStore()
  try COCOImporter(path: sources.coco.path).importDataset(into: temp.opened, named: "d")
  let out = dir.appendingPathComponent("out")
  // Each output in a folder of its own, so the files found there are the export's.
  let exporters: [(String, any DatasetExporter)] = [
    ("coco", COCOExporter(path: out.appendingPathComponent("coco/d.json").path)),
    ("voc", VOCExporter(path: out.appendingPathComponent("voc").path)),
    ("yolo", YOLOExporter(path: out.appendingPathComponent("yolo").path)),
  ]
  try FileManager.default.createDirectory(
    at: out.appendingPathComponent("coco"), withIntermediateDirectories: true)
  for (name, exporter) in exporters {
    let log = ProgressLog()
    let report = try exporter.export(from: temp.opened, dataset: "d", progress: log.handler)
    #expect(report.dataset == "d")
    #expect(report.categories == 2 && report.images == 2 && report.annotations == 3, "\(name)")
    #expect(report.files == fileCount(under: out.appendingPathComponent(name)), "\(name)")
    #expect(log.problems.isEmpty, "\(name): \(log.problems)")
    #expect(log.values.last == 1, "\(name)")
  }
  // One JSON file; one XML per image; one label file per image and data.yaml.
  #expect(fileCount(under: out) == 1 + 2 + 3)
}
