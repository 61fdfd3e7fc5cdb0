import Foundation
import Testing

@testable import DetStore

private let coco128 = FormatFixtures.hasDataset("coco128_yolo")
private let coco128Missing: Comment = "../shared/datasets/coco128_yolo is absent"

/// The numbers of each non-blank line, as Doubles.
private func values(_ url: URL) throws -> [[Double]] {
  try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
    .filter { !$0.allSatisfy(\.isWhitespace) }
    .map { $0.split(separator: " ").map { Double($0)! } }
}

@Test(.enabled(if: coco128, coco128Missing))
func yoloToStoreToYOLOGivesBackEveryValue() throws {
  let root = FormatFixtures.dataset("coco128_yolo")
  try expectYOLORoundTrip(root, images: 128, yaml: root.appendingPathComponent("coco128.yaml"))
}

/// fixtures/formats/yolo/ultralytics: 0 to 8 decimals, bare integers, a PNG, images
/// without labels and labels without images.
@Test func fixtureYOLOToStoreToYOLOGivesBackEveryValue() throws {
  let root = FormatFixtures.fixture("formats/yolo/ultralytics")
  try expectYOLORoundTrip(root, images: 5, yaml: root.appendingPathComponent("data.yaml"))
}

private func expectYOLORoundTrip(_ root: URL, images: Int, yaml: URL) throws {
  let out = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: out) }
  let temp = try TemporaryStore()
  try YOLOImporter(path: root.path).importDataset(into: temp.opened, named: "c")
  #expect(try YOLOExporter(path: out.path).export(from: temp.opened, dataset: "c").images == images)

  let originals = root.appendingPathComponent("labels/train2017")
  var compared = 0
  for image in try FileManager.default.contentsOfDirectory(
    atPath: root.appendingPathComponent("images/train2017").path)
  {
    let stem = (image as NSString).deletingPathExtension
    let exported = out.appendingPathComponent("labels/train2017/\(stem).txt")
    let original = originals.appendingPathComponent("\(stem).txt")
    let expected = FileManager.default.fileExists(atPath: original.path) ? try values(original) : []
    // Normalised values had at most 8 decimals; exported with up to 10, they read back
    // as the very same Doubles, in the same order.
    #expect(try values(exported) == expected, "\(stem)")
    compared += 1
  }
  #expect(compared == images)
  // Labels without images were not imported, so they are not exported either.
  #expect(
    !FileManager.default.fileExists(
      atPath: out.appendingPathComponent("labels/train2017/000000000656.txt").path))
  let names = try YOLOClassNames.parse(
    yaml: [UInt8](try Data(contentsOf: out.appendingPathComponent("data.yaml"))))
  let originalNames = try YOLOClassNames.parse(
    yaml: [UInt8](try Data(contentsOf: yaml)))
  #expect(names == originalNames)

  // The export, with the original images, imports to the same boxes.
  try YOLOImporter(path: out.path, imagesDirectory: root.appendingPathComponent("images").path)
    .importDataset(into: temp.opened, named: "again")
  let a = try FormatFixtures.namedBoxes(temp.opened, "c")
  let b = try FormatFixtures.namedBoxes(temp.opened, "again")
  #expect(a.count == b.count)
  for (x, y) in zip(a, b) { #expect(x.matches(y, tolerance: 1e-9), "\(x) vs \(y)") }
}

@Test func classNumbersAreTheContiguousIndexAndNamesAreQuoted() throws {
  let out = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: out) }
  let temp = try TemporaryStore()
  let here = SourceLocation(file: "mem")
  _ = try temp.opened.importDataset(named: "s", format: "test", source: "mem") { w in
    // Sparse COCO-style ids: 90 ranks after 3, so it is class 1.
    try w.add(CategoryRecord(id: .int(90), name: "it's #1: \"odd\""), at: here)
    try w.add(CategoryRecord(id: .int(3), name: "car"), at: here)
    try w.add(ImageRecord(id: .int(7), fileName: "img/a.jpg", width: 200, height: 100), at: here)
    try w.add(ImageRecord(id: .int(8), fileName: "img/empty.jpg", width: 20, height: 10), at: here)
    try w.add(
      AnnotationRecord(
        id: .int(1), imageID: .int(7), categoryID: .int(90), x: 10, y: 20, width: 50, height: 30),
      at: here)
    try w.add(
      AnnotationRecord(
        id: .int(2), imageID: .int(7), categoryID: .int(3), x: 0, y: 0, width: 200, height: 100),
      at: here)
  }
  try YOLOExporter(path: out.path).export(from: temp.opened, dataset: "s")
  let label = try String(
    contentsOf: out.appendingPathComponent("labels/img/a.txt"), encoding: .utf8)
  // cx = (10 + 60) / 2 / 200 = 0.175, cy = (20 + 50) / 2 / 100 = 0.35, w = 0.25, h = 0.3.
  #expect(label == "1 0.175 0.35 0.25 0.3\n0 0.5 0.5 1 1\n")
  #expect(
    try String(contentsOf: out.appendingPathComponent("labels/img/empty.txt"), encoding: .utf8)
      == "")
  let names = try YOLOClassNames.parse(
    yaml: [UInt8](try Data(contentsOf: out.appendingPathComponent("data.yaml"))))
  #expect(names == ["car", "it's #1: \"odd\""])
}

@Test func numberTextRoundsAwayConversionNoise() {
  #expect(NumberText.format(0.47949200000000004, decimals: 10) == "0.479492")
  #expect(NumberText.format(174.29999999999998, decimals: 9) == "174.3")
  #expect(NumberText.format(-0.0000000000001, decimals: 9) == "0")
  #expect(NumberText.format(351, decimals: 9) == "351")
  #expect(NumberText.format(1e-11, decimals: 10) == "0")
}

/// The training layout: a dataset split in two, exported with `--val` and images linked (or
/// copied): labels and images under train/ and val/, data.yaml naming both with an absolute
/// `path:`, and the folder imports back with every image and box (linked: with
/// `followLinks`).
@Test(arguments: [YOLOExporter.ImagePlacement.link, .copy])
func trainingLayoutWithSplitsAndImages(placement: YOLOExporter.ImagePlacement) throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let pictures = dir.appendingPathComponent("pictures")
  try FileManager.default.createDirectory(
    at: pictures.appendingPathComponent("sub"), withIntermediateDirectories: true)
  let names = ["a.png", "b.png", "sub/c.png", "d.png"]
  for name in names {
    try FileManager.default.copyItem(
      at: FormatFixtures.fixture("images/rgb_7x5.png"),
      to: pictures.appendingPathComponent(name))
  }
  let images = names.enumerated().map {
    #"{"id": \#($0.offset + 1), "file_name": "\#($0.element)", "width": 7, "height": 5}"#
  }
  let annotations = (1...4).map {
    #"{"id": \#($0), "image_id": \#($0), "category_id": \#($0 % 2 + 1), "bbox": [1, 1, 2, 2]}"#
  }
  let input = dir.appendingPathComponent("in.json")
  try Data(
    #"""
    {"images": [\#(images.joined(separator: ","))],
     "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
     "annotations": [\#(annotations.joined(separator: ","))]}
    """#.utf8
  ).write(to: input)
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: input.path).importDataset(into: temp.opened, named: "d")
  let split = try temp.opened.split("d", into: [("train", 0.5), ("val", 0.5)], seed: 1)
  let out = dir.appendingPathComponent("out")
  let report = try YOLOExporter(
    path: out.path, images: placement, imagesFolder: pictures.path, validation: "d-val"
  ).export(from: temp.opened, dataset: "d-train")
  #expect(report.images == 4 && report.annotations == 4 && report.files == 4 + 4 + 1)

  let fm = FileManager.default
  for (part, copy) in zip(["train", "val"], split.parts) {
    var stored: [ImageRecord] = []
    try temp.opened.forEachImage(in: copy.dataset) { stored.append($0) }
    for image in stored {
      let stem = (image.fileName as NSString).deletingPathExtension
      #expect(fm.fileExists(atPath: out.appendingPathComponent("labels/\(part)/\(stem).txt").path))
      let placed = out.appendingPathComponent("images/\(part)/\(image.fileName)")
      let attributes = try fm.attributesOfItem(atPath: placed.path)
      let isLink = attributes[.type] as? FileAttributeType == .typeSymbolicLink
      #expect(isLink == (placement == .link), "\(placed.path)")
      #expect(
        try Data(contentsOf: placed)
          == Data(contentsOf: pictures.appendingPathComponent(image.fileName)))
    }
  }
  let yaml = try String(contentsOf: out.appendingPathComponent("data.yaml"), encoding: .utf8)
  #expect(yaml.contains("train: images/train\nval: images/val\n"), "\(yaml)")
  #expect(yaml.contains("path: '\(out.standardizedFileURL.path)'"), "\(yaml)")
  #expect(try YOLOClassNames.parse(yaml: Array(yaml.utf8)) == ["cat", "dog"])
  // The folder imports back whole: copied images as they are, linked ones (which leave the
  // folder) with followLinks, as Ultralytics follows them.
  let back = try YOLOImporter(path: out.path, followLinks: placement == .link)
    .importDataset(into: temp.opened, named: "back")
  #expect(back.images == 4 && back.annotations == 4)

  // A missing image is refused before anything is written.
  try fm.removeItem(at: pictures.appendingPathComponent("d.png"))
  let elsewhere = dir.appendingPathComponent("out2")
  let error = #expect(throws: StoreError.self) {
    try YOLOExporter(
      path: elsewhere.path, images: placement, imagesFolder: pictures.path, validation: "d-val"
    ).export(from: temp.opened, dataset: "d-train")
  }
  #expect(error?.message.contains("1 of 4 images are not under") == true)
  #expect(!fm.fileExists(atPath: elsewhere.path))
}
