import Foundation
import Testing

@testable import DetStore

private let voc2012 = FormatFixtures.hasDataset("voc2012_100_multiformat")
private let voc2012Missing: Comment = "../shared/datasets/voc2012_100_multiformat is absent"

private func write(_ text: String, _ url: URL) throws {
  try FileManager.default.createDirectory(
    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
  try Data(text.utf8).write(to: url)
}

private func vocXML(_ file: String, size: (Int, Int)? = (100, 80), objects: [String]) -> String {
  var xml = "<annotation>\n<filename>\(file)</filename>\n"
  if let size {
    xml += "<size><width>\(size.0)</width><height>\(size.1)</height><depth>3</depth></size>\n"
  }
  for o in objects { xml += o + "\n" }
  return xml + "</annotation>\n"
}

private func object(_ name: String, _ b: (Double, Double, Double, Double), difficult: Int = 0)
  -> String
{
  "<object><name>\(name)</name><difficult>\(difficult)</difficult><bndbox><xmin>\(b.0)</xmin><ymin>\(b.1)</ymin><xmax>\(b.2)</xmax><ymax>\(b.3)</ymax></bndbox></object>"
}

// MARK: - Real samples

/// What one VOC folder is expected to hold, counted independently (SOURCES.md of the shared
/// samples; for fixtures, tools/make_format_fixtures.py's own definitions).
private struct ExpectedVOC {
  var images: Int
  var annotations: Int
  var categories: Int
  var difficult: Int
  var truncated: Int
  var first: String
  var last: String
}

private func expectVOCImport(_ source: URL, _ expected: ExpectedVOC) throws {
  let temp = try TemporaryStore()
  let report = try VOCImporter(path: source.path).importDataset(into: temp.opened, named: "voc")
  #expect(
    report.images == expected.images && report.annotations == expected.annotations
      && report.categories == expected.categories)
  #expect(report.skippedTotal == 0 && report.warnings.isEmpty)
  var names: [String] = []
  try temp.opened.forEachCategory(in: "voc") { names.append($0.name) }
  // Sorted names are VOC's own class order.
  #expect(names.first == expected.first && names.last == expected.last && names == names.sorted())
  var difficult = 0
  var truncated = 0
  var poses = 0
  try temp.opened.forEachAnnotation(in: "voc") { a in
    difficult += a.isDifficult ? 1 : 0
    truncated += a.isTruncated ? 1 : 0
    poses += a.pose == nil ? 0 : 1
  }
  #expect(difficult == expected.difficult && truncated == expected.truncated)
  #expect(poses == expected.annotations)
}

/// Imports a CVAT-style folder (Annotations/, ImageSets/, labelmap.txt; float coordinates,
/// empty depth, only <occluded>) and the original VOC folder: the same boxes.
private func expectSameBoxes(cvat: URL, voc: URL) throws {
  let temp = try TemporaryStore()
  try VOCImporter(path: cvat.path).importDataset(into: temp.opened, named: "cvat")
  try VOCImporter(path: voc.path).importDataset(into: temp.opened, named: "voc")
  let boxes = try FormatFixtures.namedBoxes(temp.opened, "voc")
  #expect(!boxes.isEmpty)
  #expect(try FormatFixtures.namedBoxes(temp.opened, "cvat") == boxes)
}

/// Imports a labelImg folder and compares every box with the CSV written beside it
/// (`filename,width,height,class,xmin,ymin,xmax,ymax`).
private func expectBoxesOfCSV(annotations: URL, csv: URL, images: Int, boxes: Int) throws {
  let temp = try TemporaryStore()
  let report = try VOCImporter(path: annotations.path).importDataset(into: temp.opened, named: "r")
  #expect(report.images == images && report.annotations == boxes && report.categories == 1)
  let text = try String(contentsOf: csv, encoding: .utf8)
  let expected = text.split(separator: "\n").dropFirst().map { line -> NamedBox in
    let f = line.split(separator: ",").map(String.init)
    let (x1, y1, x2, y2) = (Double(f[4])!, Double(f[5])!, Double(f[6])!, Double(f[7])!)
    return NamedBox(file: f[0], category: f[3], x: x1, y: y1, width: x2 - x1, height: y2 - y1)
  }
  #expect(expected.count == boxes)
  #expect(
    try FormatFixtures.namedBoxes(temp.opened, "r")
      == expected.sorted {
        ($0.file, $0.x, $0.y) < ($1.file, $1.x, $1.y)
      })
}

@Test(.enabled(if: voc2012, voc2012Missing))
func voc2012ImportsWithItsDocumentedCounts() throws {
  try expectVOCImport(
    FormatFixtures.dataset("voc2012_100_multiformat/gts/pascalvoc_format"),
    ExpectedVOC(
      images: 100, annotations: 273, categories: 20, difficult: 38, truncated: 137,
      first: "aeroplane", last: "tvmonitor"))
}

/// fixtures/formats/multi/pascalvoc: difficult on 3 boxes, truncated on 3, a pose on all 7.
@Test func fixtureVOCImportsWithItsStatedCounts() throws {
  try expectVOCImport(
    FormatFixtures.fixture("formats/multi/pascalvoc"),
    ExpectedVOC(
      images: 3, annotations: 7, categories: 4, difficult: 3, truncated: 3, first: "bicycle",
      last: "person"))
}

@Test(.enabled(if: voc2012, voc2012Missing))
func cvatVOCFlavourImportsTheSameBoxes() throws {
  let gts = FormatFixtures.dataset("voc2012_100_multiformat/gts")
  try expectSameBoxes(
    cvat: gts.appendingPathComponent("imagenet_format"),
    voc: gts.appendingPathComponent("pascalvoc_format"))
}

@Test func fixtureCVATVOCFlavourImportsTheSameBoxes() throws {
  try expectSameBoxes(
    cvat: FormatFixtures.fixture("formats/multi/cvat_voc"),
    voc: FormatFixtures.fixture("formats/multi/pascalvoc"))
}

@Test(
  .enabled(
    if: FormatFixtures.hasDataset("voc2012_clarifai10"),
    "../shared/datasets/voc2012_clarifai10 is absent"))
func clarifaiImportsWithoutParts() throws {
  let temp = try TemporaryStore()
  let report = try VOCImporter(path: FormatFixtures.dataset("voc2012_clarifai10/annotations").path)
    .importDataset(into: temp.opened, named: "c")
  #expect(report.images == 10 && report.annotations == 18 && report.categories == 8)
}

/// fixtures/formats/voc/reordered: <size> after the objects, bndbox children in
/// xmax, xmin, ymax, ymin order, two <part>s and an <actions>/<point> object.
@Test func fixtureWithReorderedChildrenImportsWithoutParts() throws {
  let temp = try TemporaryStore()
  let report = try VOCImporter(path: FormatFixtures.fixture("formats/voc/reordered").path)
    .importDataset(into: temp.opened, named: "c")
  #expect(report.images == 3 && report.annotations == 4 && report.categories == 3)
  #expect(
    try FormatFixtures.namedBoxes(temp.opened, "c") == [
      NamedBox(file: "2008_000003.jpg", category: "train", x: 1, y: 30, width: 319, height: 170),
      NamedBox(file: "2011_000001.jpg", category: "person", x: 52, y: 11, width: 249, height: 359),
      NamedBox(file: "2011_000002.jpg", category: "chair", x: 250, y: 200, width: 150, height: 130),
      NamedBox(file: "2011_000002.jpg", category: "person", x: 20, y: 40, width: 160, height: 290),
    ])
  var sizes: [String: [Int]] = [:]
  try temp.opened.forEachImage(in: "c") { sizes[$0.fileName] = [$0.width, $0.height] }
  #expect(
    sizes == [
      "2008_000003.jpg": [320, 240], "2011_000001.jpg": [500, 375], "2011_000002.jpg": [444, 333],
    ])
}

@Test(
  .enabled(if: FormatFixtures.hasDataset("raccoon_voc"), "../shared/datasets/raccoon_voc is absent")
)
func raccoonImportsEveryBoxOfItsCSV() throws {
  let root = FormatFixtures.dataset("raccoon_voc")
  try expectBoxesOfCSV(
    annotations: root.appendingPathComponent("annotations"),
    csv: root.appendingPathComponent("data/raccoon_labels.csv"), images: 200, boxes: 217)
}

/// fixtures/formats/voc/labelimg: verified="yes"/"no", absolute <path>, <depth>1</depth>,
/// tabs, boxes on the 0 and 1 edges.
@Test func fixtureLabelImgImportsEveryBoxOfItsCSV() throws {
  let root = FormatFixtures.fixture("formats/voc/labelimg")
  try expectBoxesOfCSV(
    annotations: root.appendingPathComponent("annotations"),
    csv: root.appendingPathComponent("labels.csv"), images: 3, boxes: 4)
}

// MARK: - Conventions, names, sizes

@Test func oneBasedConventionShiftsOnlyTheTopLeftCorner() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  try write(
    vocXML("a.jpg", objects: [object("cat", (1, 1, 100, 80))]), dir.appendingPathComponent("a.xml"))
  let temp = try TemporaryStore()
  try VOCImporter(path: dir.path, convention: .oneBasedInclusive).importDataset(
    into: temp.opened, named: "one")
  try VOCImporter(path: dir.path, convention: .asWritten).importDataset(
    into: temp.opened, named: "raw")
  // xmin = 1 ... xmax = 100 covers all 100 columns: [0, 100] when read as pixel indices.
  #expect(
    try FormatFixtures.namedBoxes(temp.opened, "one") == [
      NamedBox(file: "a.jpg", category: "cat", x: 0, y: 0, width: 100, height: 80)
    ])
  #expect(
    try FormatFixtures.namedBoxes(temp.opened, "raw") == [
      NamedBox(file: "a.jpg", category: "cat", x: 1, y: 1, width: 99, height: 79)
    ])
}

@Test func aGivenClassListFixesIdsAndRejectsOtherNames() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  try write(
    vocXML(
      "a.jpg",
      objects: [
        object("dog", (1, 1, 5, 5)), object("zebra", (1, 1, 5, 5)), object("cat", (2, 2, 6, 6)),
      ]),
    dir.appendingPathComponent("a.xml"))
  let temp = try TemporaryStore()
  let importer = VOCImporter(path: dir.path, classNames: ["dog", "cat"])
  let error = #expect(throws: StoreError.self) {
    try importer.importDataset(into: temp.opened, named: "s")
  }
  #expect(error?.reason == .unknownCategory)
  #expect(error?.location?.line == 5 && error?.location?.file.hasSuffix("a.xml") == true)
  #expect(try temp.opened.datasets().isEmpty)
  let report = try importer.importDataset(
    into: temp.opened, named: "s", options: ImportOptions(policy: .skip))
  #expect(report.annotations == 2 && report.skipped == [.unknownCategory: 1])
  var categories: [CategoryRecord] = []
  try temp.opened.forEachCategory(in: "s") { categories.append($0) }
  #expect(categories.map(\.name) == ["dog", "cat"] && categories.map(\.id) == [.int(1), .int(2)])
}

@Test func aMissingSizeIsReadFromTheImageHeader() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  try write(
    vocXML("rgb_7x5.png", size: nil, objects: [object("a", (1, 1, 3, 3))]),
    dir.appendingPathComponent("Annotations/x.xml"))
  try FileManager.default.createDirectory(
    at: dir.appendingPathComponent("JPEGImages"), withIntermediateDirectories: true)
  try FileManager.default.copyItem(
    at: FormatFixtures.fixture("images/rgb_7x5.png"),
    to: dir.appendingPathComponent("JPEGImages/rgb_7x5.png"))
  let temp = try TemporaryStore()
  try VOCImporter(path: dir.path).importDataset(into: temp.opened, named: "v")
  var images: [ImageRecord] = []
  try temp.opened.forEachImage(in: "v") { images.append($0) }
  #expect(images == [ImageRecord(id: .int(1), fileName: "rgb_7x5.png", width: 7, height: 5)])

  // Without the image file there is no size: an invalid image record.
  try FileManager.default.removeItem(at: dir.appendingPathComponent("JPEGImages/rgb_7x5.png"))
  let error = #expect(throws: StoreError.self) {
    try VOCImporter(path: dir.path).importDataset(into: temp.opened, named: "w")
  }
  #expect(error?.reason == .malformed && error?.message.contains("no <size>") == true)
}

// MARK: - Hostile input

@Test func entityBombsAndBrokenFilesAreRefusedWithTheirLocation() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  try write(
    vocXML("a.jpg", objects: [object("cat", (1, 1, 5, 5))]), dir.appendingPathComponent("a.xml"))
  try write(
    """
    <?xml version="1.0"?>
    <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
    <annotation><filename>&lol2;</filename></annotation>
    """, dir.appendingPathComponent("b.xml"))
  try write(
    "<annotation><filename>c.jpg</filename><object><name>x</name>",
    dir.appendingPathComponent("c.xml"))
  try Data((0..<512).map { UInt8(truncatingIfNeeded: $0 &* 167) }).write(
    to: dir.appendingPathComponent("d.xml"))
  let temp = try TemporaryStore()
  let error = #expect(throws: StoreError.self) {
    try VOCImporter(path: dir.path).importDataset(into: temp.opened, named: "h")
  }
  #expect(error?.code == .malformedInput)
  #expect(error?.location?.file.hasSuffix("b.xml") == true && error?.location?.line == 2)
  #expect(error?.message.contains("internal subset") == true)
  #expect(try temp.opened.datasets().isEmpty)

  let report = try VOCImporter(path: dir.path).importDataset(
    into: temp.opened, named: "h", options: ImportOptions(policy: .skip))
  #expect(report.images == 1 && report.annotations == 1 && report.skipped == [.malformed: 3])
  #expect(
    report.warnings.count == 3
      && report.warnings.allSatisfy { $0.hasPrefix("skipped malformed file") })
}

@Test func symbolicLinksMayNotLeaveTheSourceFolder() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  let outside = try FormatFixtures.temporaryDirectory()
  defer {
    try? FileManager.default.removeItem(at: dir)
    try? FileManager.default.removeItem(at: outside)
  }
  try write(
    vocXML("a.jpg", objects: [object("cat", (1, 1, 5, 5))]), dir.appendingPathComponent("a.xml"))
  try write(vocXML("secret.jpg", objects: []), outside.appendingPathComponent("secret.xml"))
  let fm = FileManager.default
  // A link to a file inside the folder is fine.
  try fm.createSymbolicLink(
    at: dir.appendingPathComponent("inside.xml"),
    withDestinationURL: dir.appendingPathComponent("a.xml"))
  let temp = try TemporaryStore()
  #expect(try VOCImporter(path: dir.path).importDataset(into: temp.opened, named: "ok").images == 2)
  // A link leaving the folder is refused, whatever the policy.
  try fm.createSymbolicLink(
    at: dir.appendingPathComponent("z.xml"),
    withDestinationURL: outside.appendingPathComponent("secret.xml"))
  for policy in ValidationPolicy.allCases {
    let error = #expect(throws: StoreError.self) {
      try VOCImporter(path: dir.path).importDataset(
        into: temp.opened, named: "bad", options: ImportOptions(policy: policy))
    }
    #expect(error?.code == .io && error?.message.contains("outside") == true)
  }
  try fm.removeItem(at: dir.appendingPathComponent("z.xml"))
  // A linked folder is refused too (no cycles, no escaping through folders).
  try fm.createSymbolicLink(at: dir.appendingPathComponent("more"), withDestinationURL: outside)
  let error = #expect(throws: StoreError.self) {
    try VOCImporter(path: dir.path).importDataset(into: temp.opened, named: "bad")
  }
  #expect(error?.message.contains("symbolic link to a folder") == true)
}

@Test func aFIFOIsNeverOpened() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  try write(vocXML("a.jpg", objects: []), dir.appendingPathComponent("a.xml"))
  #expect(mkfifo(dir.appendingPathComponent("pipe.xml").path, 0o600) == 0)
  let temp = try TemporaryStore()
  // The FIFO is not a regular file: it is not listed, so the import cannot block on it.
  #expect(try VOCImporter(path: dir.path).importDataset(into: temp.opened, named: "f").images == 1)
}
