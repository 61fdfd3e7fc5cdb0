import Foundation
import Testing

@testable import DetStore

private let coco128 = FormatFixtures.hasDataset("coco128_yolo")
private let coco128Missing: Comment = "../shared/datasets/coco128_yolo is absent"
private let voc2012 = FormatFixtures.hasDataset("voc2012_100_multiformat")
private let voc2012Missing: Comment = "../shared/datasets/voc2012_100_multiformat is absent"

private func write(_ text: String, _ url: URL) throws {
  try FileManager.default.createDirectory(
    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
  try Data(text.utf8).write(to: url)
}

private func copyFixture(_ name: String, to url: URL) throws {
  try FileManager.default.createDirectory(
    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
  try FileManager.default.copyItem(at: FormatFixtures.fixture("images/\(name)"), to: url)
}

// MARK: - Real samples

@Test(.enabled(if: coco128, coco128Missing))
func coco128ImportsEveryLabelThatHasAnImage() throws {
  let root = FormatFixtures.dataset("coco128_yolo")
  // Independent count: non-blank lines of the label files whose image exists.
  let labels = root.appendingPathComponent("labels/train2017")
  var expected = 0
  for name in try FileManager.default.contentsOfDirectory(atPath: labels.path) {
    let image = root.appendingPathComponent(
      "images/train2017/" + name.replacingOccurrences(of: ".txt", with: ".jpg"))
    guard FileManager.default.fileExists(atPath: image.path) else { continue }
    let text = try String(contentsOf: labels.appendingPathComponent(name), encoding: .utf8)
    expected += text.split(separator: "\n").filter { !$0.allSatisfy(\.isWhitespace) }.count
  }
  // SOURCES.md: 941 boxes; 656 has 3 and 659 has 9, without images.
  #expect(expected == 941 - 3 - 9)

  let temp = try TemporaryStore()
  let report = try YOLOImporter(path: root.path).importDataset(into: temp.opened, named: "c128")
  #expect(report.images == 128 && report.categories == 80 && report.annotations == expected)
  #expect(report.skippedTotal == 0)
  #expect(report.warnings.count == 2)
  #expect(
    report.warnings[0].hasPrefix("2 label file(s) without an image")
      && report.warnings[0].contains("000000000656.txt"))
  #expect(
    report.warnings[1].hasPrefix("2 image(s) without a label file")
      && report.warnings[1].contains("train2017/000000000250.jpg"))
  // Sizes come from the headers (checked against Pillow elsewhere): spot-check one box.
  let image = try temp.opened.image(in: "c128", id: .int(1))
  #expect(
    image.fileName == "train2017/000000000009.jpg" && image.width == 640 && image.height == 480)
  let first = try temp.opened.annotations(in: "c128", image: .int(1))[0]
  // 45 0.479492 0.688771 0.955609 0.5955 on 640x480.
  #expect(first.categoryID == .int(45))
  #expect(abs(first.x - (0.479492 - 0.955609 / 2) * 640) < 1e-9)
  #expect(abs(first.height - 0.5955 * 480) < 1e-9)
}

@Test(.enabled(if: voc2012, voc2012Missing))
func theSameBoxesArriveFromVOCYOLOAndCOCO() throws {
  let root = FormatFixtures.dataset("voc2012_100_multiformat")
  let temp = try TemporaryStore()
  let store = temp.opened
  try VOCImporter(path: root.appendingPathComponent("gts/pascalvoc_format").path).importDataset(
    into: store, named: "voc")
  // CVAT/darknet layout: obj_train_data/*.txt with obj.names; the images live elsewhere.
  let yolo = try YOLOImporter(
    path: root.appendingPathComponent("gts/yolo_format").path,
    imagesDirectory: root.appendingPathComponent("images").path
  ).importDataset(into: store, named: "yolo")
  #expect(
    yolo.images == 100 && yolo.annotations == 273 && yolo.categories == 20 && yolo.warnings.isEmpty)
  _ = try COCOImporter(
    path: root.appendingPathComponent("gts/coco_format_v1/instances_default.json").path
  )
  .importDataset(into: store, named: "coco")

  // A second COCO conversion: image ids above 2^31, another category order.
  _ = try COCOImporter(
    path: root.appendingPathComponent("gts/coco_format_v2/instances_v2.json").path
  )
  .importDataset(into: store, named: "coco2")

  let voc = try FormatFixtures.namedBoxes(store, "voc")
  let coco = try FormatFixtures.namedBoxes(store, "coco")
  #expect(try FormatFixtures.namedBoxes(store, "coco2") == coco)
  let fromYOLO = try FormatFixtures.namedBoxes(store, "yolo")
  #expect(voc.count == 273)
  // VOC read as written equals the COCO conversion exactly (integers, no -1 shift).
  #expect(voc == coco)
  // YOLO stores 6 decimals of a normalised value: at most 0.5e-6 * 500 px per term, so
  // corners and sizes are within 1e-3 px of the VOC values.
  #expect(fromYOLO.count == voc.count)
  for (a, b) in zip(fromYOLO, voc) {
    #expect(a.matches(b, tolerance: 1e-3), "\(a) vs \(b)")
  }
  // Read as 1-based pixel indices, the same files are the COCO boxes grown by one pixel
  // up and left.
  try VOCImporter(
    path: root.appendingPathComponent("gts/pascalvoc_format").path, convention: .oneBasedInclusive
  )
  .importDataset(into: store, named: "voc1")
  for (a, b) in zip(try FormatFixtures.namedBoxes(store, "voc1"), coco) {
    #expect(
      a
        == NamedBox(
          file: b.file, category: b.category, x: b.x - 1, y: b.y - 1, width: b.width + 1,
          height: b.height + 1))
  }
}

// MARK: - The same behaviour on fixtures/formats (tools/make_format_fixtures.py)

/// The Ultralytics layout of coco128 on five images: `images/train2017` and
/// `labels/train2017`, a `data.yaml` with non-ASCII comments and paths that are not
/// followed, two images without a label file (250, 508), two label files without an image
/// (656, 659), a PNG among the JPEGs (one with an EXIF thumbnail, one progressive), bare
/// integers and 0 to 8 decimals, a blank line.
@Test func ultralyticsFixtureImportsEveryLabelThatHasAnImage() throws {
  let root = FormatFixtures.fixture("formats/yolo/ultralytics")
  // Independent count: non-blank lines of the label files whose image exists.
  let labels = root.appendingPathComponent("labels/train2017")
  let images = try FileManager.default.contentsOfDirectory(
    atPath: root.appendingPathComponent("images/train2017").path)
  let stems = Set(images.map { ($0 as NSString).deletingPathExtension })
  var expected = 0
  for name in try FileManager.default.contentsOfDirectory(atPath: labels.path)
  where stems.contains((name as NSString).deletingPathExtension) {
    let text = try String(contentsOf: labels.appendingPathComponent(name), encoding: .utf8)
    expected += text.split(separator: "\n").filter { !$0.allSatisfy(\.isWhitespace) }.count
  }
  #expect(expected == 6)  // 2 + 3 + 1, as the generator writes them

  let temp = try TemporaryStore()
  let report = try YOLOImporter(path: root.path).importDataset(into: temp.opened, named: "u")
  #expect(report.images == 5 && report.categories == 5 && report.annotations == expected)
  #expect(report.skippedTotal == 0)
  #expect(report.warnings.count == 2)
  #expect(
    report.warnings.first?.hasPrefix("2 label file(s) without an image") == true
      && report.warnings.first?.contains("000000000656.txt") == true)
  #expect(
    report.warnings.last?.hasPrefix("2 image(s) without a label file") == true
      && report.warnings.last?.contains("train2017/000000000250.jpg") == true)
  // Sizes come from the headers (the generator's table: 640x427 SOF1 JPEG, 1000x300 PNG).
  let image = try temp.opened.image(in: "u", id: .int(1))
  #expect(
    image.fileName == "train2017/000000000009.jpg" && image.width == 640 && image.height == 427)
  let first = try temp.opened.annotations(in: "u", image: .int(1))[0]
  // "0 0.5 0.530422 1 0.353469" on 640x427: a full-width box.
  #expect(first.categoryID == .int(0))
  #expect(abs(first.x) < 1e-9 && abs(first.width - 640) < 1e-9)
  #expect(abs(first.height - 0.353469 * 427) < 1e-9)
  let png = try temp.opened.image(in: "u", id: .int(3))
  #expect(png.fileName == "train2017/000000000030.png" && png.width == 1000 && png.height == 300)
  let box = try temp.opened.annotations(in: "u", image: .int(3))
  // "1 0.5 0.5 0.2 0.4" on 1000x300.
  #expect(box.count == 1)
  #expect(abs(box[0].x - 400) < 1e-9 && abs(box[0].y - 90) < 1e-9)
  #expect(abs(box[0].width - 200) < 1e-9 && abs(box[0].height - 120) < 1e-9)
}

/// One small dataset written in every format (VOC, darknet YOLO with its images elsewhere,
/// CVAT COCO, a second COCO with 64-bit image ids and another category order): the same
/// seven boxes arrive from each.
@Test func theSameFixtureBoxesArriveFromVOCYOLOAndCOCO() throws {
  let root = FormatFixtures.fixture("formats/multi")
  let temp = try TemporaryStore()
  let store = temp.opened
  try VOCImporter(path: root.appendingPathComponent("pascalvoc").path).importDataset(
    into: store, named: "voc")
  // CVAT/darknet layout: obj_train_data/*.txt with obj.names; the images live elsewhere.
  let yolo = try YOLOImporter(
    path: root.appendingPathComponent("yolo_darknet").path,
    imagesDirectory: root.appendingPathComponent("images").path
  ).importDataset(into: store, named: "yolo")
  #expect(
    yolo.images == 3 && yolo.annotations == 7 && yolo.categories == 4 && yolo.warnings.isEmpty)
  _ = try COCOImporter(path: root.appendingPathComponent("coco_v1/instances_default.json").path)
    .importDataset(into: store, named: "coco")
  _ = try COCOImporter(path: root.appendingPathComponent("coco_v2/instances_v2.json").path)
    .importDataset(into: store, named: "coco2")

  let voc = try FormatFixtures.namedBoxes(store, "voc")
  let coco = try FormatFixtures.namedBoxes(store, "coco")
  #expect(try FormatFixtures.namedBoxes(store, "coco2") == coco)
  let fromYOLO = try FormatFixtures.namedBoxes(store, "yolo")
  #expect(voc.count == 7)
  // VOC read as written equals the COCO conversion exactly (integers, no -1 shift).
  #expect(voc == coco)
  // YOLO stores 6 decimals of a normalised value: at most 0.5e-6 * 500 px per term.
  #expect(fromYOLO.count == voc.count)
  for (a, b) in zip(fromYOLO, voc) {
    #expect(a.matches(b, tolerance: 1e-3), "\(a) vs \(b)")
  }
  // Read as 1-based pixel indices, the boxes grow by one pixel up and left.
  try VOCImporter(
    path: root.appendingPathComponent("pascalvoc").path, convention: .oneBasedInclusive
  )
  .importDataset(into: store, named: "voc1")
  for (a, b) in zip(try FormatFixtures.namedBoxes(store, "voc1"), coco) {
    #expect(
      a
        == NamedBox(
          file: b.file, category: b.category, x: b.x - 1, y: b.y - 1, width: b.width + 1,
          height: b.height + 1))
  }
}

// MARK: - Layouts, names, sizes

@Test func flatFolderUsesTheEXIFOrientedSize() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  // Stored 7 wide x 5 high with orientation 6: displayed (and loaded by OpenCV) 5 x 7.
  try copyFixture("rgb_7x5_exif6_progressive.jpg", to: dir.appendingPathComponent("a.jpg"))
  try copyFixture("rgb_7x5.png", to: dir.appendingPathComponent("b.png"))
  try write("0 0.5 0.5 1 1\n", dir.appendingPathComponent("a.txt"))
  try write("1 0.5 0.5 0.2 0.4\n", dir.appendingPathComponent("b.txt"))
  try write("cat\ndog\n", dir.appendingPathComponent("classes.txt"))
  try write("a.jpg\nb.png\n", dir.appendingPathComponent("train.txt"))  // a list, not labels
  let temp = try TemporaryStore()
  let report = try YOLOImporter(path: dir.path).importDataset(into: temp.opened, named: "f")
  #expect(report.images == 2 && report.annotations == 2 && report.warnings.isEmpty)
  let boxes = try FormatFixtures.namedBoxes(temp.opened, "f")
  let expected = [
    NamedBox(file: "a.jpg", category: "cat", x: 0, y: 0, width: 5, height: 7),
    NamedBox(file: "b.png", category: "dog", x: 2.8, y: 1.5, width: 1.4, height: 2),
  ]
  #expect(boxes.count == 2)
  for (a, b) in zip(boxes, expected) { #expect(a.matches(b, tolerance: 1e-12), "\(a)") }
}

@Test func ultralyticsLayoutWithAYAMLAndPolygons() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  try copyFixture("rgb_7x5.bmp", to: dir.appendingPathComponent("images/val/x.bmp"))
  try copyFixture("rgb_7x5.gif", to: dir.appendingPathComponent("images/train/y.gif"))
  try write("0 0 0 1 0 1 1\n", dir.appendingPathComponent("labels/val/x.txt"))
  try write("", dir.appendingPathComponent("labels/train/y.txt"))
  // The YAML's paths point elsewhere: they are not followed.
  try write(
    "path: /etc\ntrain: ../../outside\nnames: {0: 'a b'}\n", dir.appendingPathComponent("data.yaml")
  )
  try write("ignored\n", dir.appendingPathComponent("classes.txt"))
  let temp = try TemporaryStore()
  let report = try YOLOImporter(path: dir.path).importDataset(into: temp.opened, named: "u")
  #expect(report.images == 2 && report.annotations == 1 && report.warnings.isEmpty)
  let boxes = try FormatFixtures.namedBoxes(temp.opened, "u")
  #expect(boxes == [NamedBox(file: "val/x.bmp", category: "a b", x: 0, y: 0, width: 7, height: 5)])
  // Keys sort train/y before val/x, so x.bmp is image 2.
  let stored = try temp.opened.annotations(in: "u", image: .int(2))
  try #require(stored.count == 1)
  #expect(stored[0].segmentation == "[[0.0,0.0,7.0,0.0,7.0,5.0]]")
  // The YAML file itself may be the source.
  let again = try YOLOImporter(path: dir.appendingPathComponent("data.yaml").path)
    .importDataset(into: temp.opened, named: "u2")
  #expect(again.images == 2)
}

@Test func labelProblemsFollowThePolicyWithFileAndLine() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  try copyFixture("rgb_7x5.png", to: dir.appendingPathComponent("a.png"))
  try write(
    "0 0.5 0.5 0.5 0.5\n\n2 0.5 0.5 0.5 0.5\n0 0.5 0.5 0.5\n0 0.5 0.5 -0.5 0.5\n0 3 3 0.1 0.1\n",
    dir.appendingPathComponent("a.txt"))
  try write("cat\ndog\n", dir.appendingPathComponent("obj.names"))
  let temp = try TemporaryStore()
  let error = #expect(throws: StoreError.self) {
    try YOLOImporter(path: dir.path).importDataset(into: temp.opened, named: "p")
  }
  // Lines are checked in order: line 3 has class 2 of a 2-class list.
  #expect(error?.reason == .unknownCategory && error?.location?.line == 3)
  #expect(error?.location?.file.hasSuffix("a.txt") == true)
  #expect(try temp.opened.datasets().isEmpty)
  let report = try YOLOImporter(path: dir.path).importDataset(
    into: temp.opened, named: "p", options: ImportOptions(policy: .skip))
  #expect(report.annotations == 1)
  #expect(
    report.skipped == [.unknownCategory: 1, .malformed: 1, .nonPositiveSize: 1, .outsideImage: 1])
}

@Test func namesAreRequiredAndUnambiguous() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  try copyFixture("rgb_7x5.png", to: dir.appendingPathComponent("a.png"))
  try write("0 0.5 0.5 0.5 0.5\n", dir.appendingPathComponent("a.txt"))
  let temp = try TemporaryStore()
  var error = #expect(throws: StoreError.self) {
    try YOLOImporter(path: dir.path).importDataset(into: temp.opened, named: "n")
  }
  #expect(error?.message.contains("no class names") == true)
  try write("names: [a]\n", dir.appendingPathComponent("one.yaml"))
  try write("names: [b]\n", dir.appendingPathComponent("two.yml"))
  error = #expect(throws: StoreError.self) {
    try YOLOImporter(path: dir.path).importDataset(into: temp.opened, named: "n")
  }
  #expect(error?.message.contains("several YAML files") == true)
  // An explicit names file settles it; it may live anywhere.
  let report = try YOLOImporter(
    path: dir.path, namesFile: dir.appendingPathComponent("two.yml").path
  )
  .importDataset(into: temp.opened, named: "n")
  #expect(
    try FormatFixtures.namedBoxes(temp.opened, "n").map(\.category) == ["b"]
      && report.categories == 1)
  try write("names:\n  0: a\n  5: b\n", dir.appendingPathComponent("two.yml"))
  error = #expect(throws: StoreError.self) {
    try YOLOImporter(path: dir.path, namesFile: dir.appendingPathComponent("two.yml").path)
      .importDataset(into: temp.opened, named: "m")
  }
  #expect(
    error?.code == .malformedInput && error?.location?.line == 3
      && error?.location?.file.hasSuffix("two.yml") == true)
}

@Test func hostileYOLOFoldersAreRefused() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  let outside = try FormatFixtures.temporaryDirectory()
  defer {
    try? FileManager.default.removeItem(at: dir)
    try? FileManager.default.removeItem(at: outside)
  }
  try copyFixture("rgb_7x5.png", to: dir.appendingPathComponent("a.png"))
  try write("a\n", dir.appendingPathComponent("names.txt"))
  try write("0 0.5 0.5 0.5 0.5\n", outside.appendingPathComponent("a.txt"))
  try FileManager.default.createSymbolicLink(
    at: dir.appendingPathComponent("a.txt"),
    withDestinationURL: outside.appendingPathComponent("a.txt"))
  let temp = try TemporaryStore()
  var error = #expect(throws: StoreError.self) {
    try YOLOImporter(path: dir.path).importDataset(into: temp.opened, named: "h")
  }
  #expect(error?.code == .io && error?.message.contains("outside") == true)
  try FileManager.default.removeItem(at: dir.appendingPathComponent("a.txt"))

  // Two images for one label key.
  try copyFixture("rgb_7x5.gif", to: dir.appendingPathComponent("a.gif"))
  error = #expect(throws: StoreError.self) {
    try YOLOImporter(path: dir.path).importDataset(into: temp.opened, named: "h")
  }
  #expect(error?.message.contains("two images for one label") == true)
  try FileManager.default.removeItem(at: dir.appendingPathComponent("a.gif"))

  // An image that is garbage: strict names it, skip counts it.
  try Data((0..<300).map { UInt8(truncatingIfNeeded: $0 &* 91) }).write(
    to: dir.appendingPathComponent("b.jpg"))
  try write("0 0.5 0.5 0.5 0.5\n", dir.appendingPathComponent("b.txt"))
  error = #expect(throws: StoreError.self) {
    try YOLOImporter(path: dir.path).importDataset(into: temp.opened, named: "h")
  }
  #expect(error?.code == .malformedInput && error?.location?.file.hasSuffix("b.jpg") == true)
  let report = try YOLOImporter(path: dir.path).importDataset(
    into: temp.opened, named: "h", options: ImportOptions(policy: .skip))
  #expect(report.images == 1 && report.skipped == [.malformed: 1])
  #expect(try temp.opened.datasets().map(\.name) == ["h"])
}

@Test func symbolicLinksInsideTheFolderAreFollowed() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  try copyFixture("rgb_7x5.png", to: dir.appendingPathComponent("store/a.png"))
  try FileManager.default.createSymbolicLink(
    at: dir.appendingPathComponent("b.png"),
    withDestinationURL: dir.appendingPathComponent("store/a.png"))
  try write("0 0.5 0.5 0.2 0.2\n", dir.appendingPathComponent("b.txt"))
  try write("a\n", dir.appendingPathComponent("names.txt"))
  let temp = try TemporaryStore()
  let report = try YOLOImporter(path: dir.path).importDataset(into: temp.opened, named: "l")
  #expect(report.images == 1 && report.annotations == 1)
  #expect(
    try temp.opened.image(in: "l", id: .int(1))
      == ImageRecord(id: .int(1), fileName: "b.png", width: 7, height: 5))
}

/// An Ultralytics dataset whose `images/` is a symbolic link to a shared image tree imports
/// (the dataset folder named through a link too); an image file in that tree linking out of
/// it is refused, naming `--follow-links`, and read with `followLinks`; label files linking
/// out are refused either way.
@Test func aLinkedImagesFolderIsFollowedAndLinksOutOfItAreRefused() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  let shared = try FormatFixtures.temporaryDirectory()
  let elsewhere = try FormatFixtures.temporaryDirectory()
  defer {
    for url in [dir, shared, elsewhere] { try? FileManager.default.removeItem(at: url) }
  }
  let fm = FileManager.default
  try copyFixture("rgb_7x5.png", to: shared.appendingPathComponent("train/a.png"))
  try write("0 0.5 0.5 0.2 0.2\n", dir.appendingPathComponent("ds/labels/train/a.txt"))
  try write("names: [a]\n", dir.appendingPathComponent("ds/data.yaml"))
  try fm.createSymbolicLink(
    at: dir.appendingPathComponent("ds/images"), withDestinationURL: shared)
  try fm.createSymbolicLink(
    at: dir.appendingPathComponent("link"), withDestinationURL: dir.appendingPathComponent("ds"))
  let temp = try TemporaryStore()
  for (name, path) in [("l", "ds"), ("m", "link")] {
    let report = try YOLOImporter(path: dir.appendingPathComponent(path).path)
      .importDataset(into: temp.opened, named: name)
    #expect(report.images == 1 && report.annotations == 1, "\(path)")
    #expect(try temp.opened.image(in: name, id: .int(1)).fileName == "train/a.png")
  }

  try copyFixture("rgb_7x5.png", to: elsewhere.appendingPathComponent("b.png"))
  try fm.createSymbolicLink(
    at: shared.appendingPathComponent("train/b.png"),
    withDestinationURL: elsewhere.appendingPathComponent("b.png"))
  let error = #expect(throws: StoreError.self) {
    try YOLOImporter(path: dir.appendingPathComponent("ds").path)
      .importDataset(into: temp.opened, named: "n")
  }
  #expect(
    error?.code == .io && error?.message.contains("outside") == true, "\(String(describing: error))"
  )
  #expect(error?.message.contains("--follow-links") == true, "\(String(describing: error))")

  // followLinks reads the linked image file; a link out of the images tree to a missing file
  // is still an error, and a label file linking out is refused even so.
  let followed = try YOLOImporter(path: dir.appendingPathComponent("ds").path, followLinks: true)
    .importDataset(into: temp.opened, named: "n")
  #expect(followed.images == 2 && followed.annotations == 1)
  #expect(try temp.opened.image(in: "n", id: .int(2)).width == 7)
  try fm.removeItem(at: elsewhere.appendingPathComponent("b.png"))
  let dangling = #expect(throws: StoreError.self) {
    try YOLOImporter(path: dir.appendingPathComponent("ds").path, followLinks: true)
      .importDataset(into: temp.opened, named: "o")
  }
  #expect(dangling?.message.contains("does not exist") == true)
  // A link to something that is not a regular file (a FIFO) is refused before any read.
  #expect(mkfifo(elsewhere.appendingPathComponent("b.png").path, 0o600) == 0)
  let fifo = #expect(throws: StoreError.self) {
    try YOLOImporter(path: dir.appendingPathComponent("ds").path, followLinks: true)
      .importDataset(into: temp.opened, named: "o")
  }
  #expect(
    fifo?.message.contains("which is not a regular file") == true, "\(String(describing: fifo))")
  try fm.removeItem(at: shared.appendingPathComponent("train/b.png"))
  try write("0 0.5 0.5 0.2 0.2\n", elsewhere.appendingPathComponent("c.txt"))
  try copyFixture("rgb_7x5.png", to: shared.appendingPathComponent("train/c.png"))
  try fm.createSymbolicLink(
    at: dir.appendingPathComponent("ds/labels/train/c.txt"),
    withDestinationURL: elsewhere.appendingPathComponent("c.txt"))
  let label = #expect(throws: StoreError.self) {
    try YOLOImporter(path: dir.appendingPathComponent("ds").path, followLinks: true)
      .importDataset(into: temp.opened, named: "p")
  }
  #expect(label?.message.contains("outside") == true, "\(String(describing: label))")
}

/// When no images are found the message names the option that points at them.
@Test func noImagesNamesTheImagesOption() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  try write("0 0.5 0.5 0.2 0.2\n", dir.appendingPathComponent("a.txt"))
  try write("a\n", dir.appendingPathComponent("names.txt"))
  let temp = try TemporaryStore()
  let error = #expect(throws: StoreError.self) {
    try YOLOImporter(path: dir.path).importDataset(into: temp.opened, named: "n")
  }
  #expect(error?.message.contains("--images") == true, "\(String(describing: error))")
}
