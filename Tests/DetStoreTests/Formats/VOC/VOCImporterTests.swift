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

@Test(.enabled(if: voc2012, voc2012Missing))
func voc2012ImportsWithItsDocumentedCounts() throws {
  let temp = try TemporaryStore()
  let source = FormatFixtures.dataset("voc2012_100_multiformat/gts/pascalvoc_format")
  let report = try VOCImporter(path: source.path).importDataset(into: temp.opened, named: "voc")
  #expect(report.images == 100 && report.annotations == 273 && report.categories == 20)
  #expect(report.skippedTotal == 0 && report.warnings.isEmpty)
  var names: [String] = []
  try temp.opened.forEachCategory(in: "voc") { names.append($0.name) }
  // Sorted names are VOC's own class order.
  #expect(names.first == "aeroplane" && names.last == "tvmonitor" && names == names.sorted())
  var difficult = 0
  var truncated = 0
  var poses = 0
  try temp.opened.forEachAnnotation(in: "voc") { a in
    difficult += a.isDifficult ? 1 : 0
    truncated += a.isTruncated ? 1 : 0
    poses += a.pose == nil ? 0 : 1
  }
  #expect(difficult == 38 && truncated == 137 && poses == 273)
}

@Test(.enabled(if: voc2012, voc2012Missing))
func cvatVOCFlavourImportsTheSameBoxes() throws {
  let temp = try TemporaryStore()
  let gts = FormatFixtures.dataset("voc2012_100_multiformat/gts")
  // imagenet_format holds Annotations/, ImageSets/ and labelmap.txt, like CVAT's export.
  try VOCImporter(path: gts.appendingPathComponent("imagenet_format").path).importDataset(
    into: temp.opened, named: "cvat")
  try VOCImporter(path: gts.appendingPathComponent("pascalvoc_format").path).importDataset(
    into: temp.opened, named: "voc")
  #expect(
    try FormatFixtures.namedBoxes(temp.opened, "cvat")
      == FormatFixtures.namedBoxes(temp.opened, "voc"))
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

@Test(
  .enabled(if: FormatFixtures.hasDataset("raccoon_voc"), "../shared/datasets/raccoon_voc is absent")
)
func raccoonImportsEveryBoxOfItsCSV() throws {
  let temp = try TemporaryStore()
  let root = FormatFixtures.dataset("raccoon_voc")
  let report = try VOCImporter(path: root.appendingPathComponent("annotations").path).importDataset(
    into: temp.opened, named: "r")
  #expect(report.images == 200 && report.annotations == 217 && report.categories == 1)
  let csv = try String(
    contentsOf: root.appendingPathComponent("data/raccoon_labels.csv"), encoding: .utf8)
  let expected = csv.split(separator: "\n").dropFirst().map { line -> NamedBox in
    let f = line.split(separator: ",").map(String.init)
    let (x1, y1, x2, y2) = (Double(f[4])!, Double(f[5])!, Double(f[6])!, Double(f[7])!)
    return NamedBox(file: f[0], category: f[3], x: x1, y: y1, width: x2 - x1, height: y2 - y1)
  }
  #expect(
    try FormatFixtures.namedBoxes(temp.opened, "r")
      == expected.sorted {
        ($0.file, $0.x, $0.y) < ($1.file, $1.x, $1.y)
      })
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
