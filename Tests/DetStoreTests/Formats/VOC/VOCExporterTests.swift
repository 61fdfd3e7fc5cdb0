import Foundation
import Testing

@testable import DetStore

private let voc2012 = FormatFixtures.hasDataset("voc2012_100_multiformat")
private let voc2012Missing: Comment = "../shared/datasets/voc2012_100_multiformat is absent"

private func xmlFiles(_ folder: URL) throws -> [URL] {
  try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
    .filter { $0.pathExtension == "xml" }.sorted { $0.path < $1.path }
}

/// An object as VOC semantics see it (absent flags are false).
private struct Semantic: Hashable {
  var name: String
  var box: [Double]
  var pose: String?
  var truncated: Bool
  var difficult: Bool
  var occluded: Bool

  init(_ o: VOCObject) {
    name = o.name
    box = [o.xmin, o.ymin, o.xmax, o.ymax]
    pose = o.pose
    truncated = o.truncated ?? false
    difficult = o.difficult ?? false
    occluded = o.occluded ?? false
  }
}

@Test(
  .enabled(if: voc2012, voc2012Missing),
  arguments: VOCBoxConvention.allCases)
func vocToStoreToVOCGivesBackEveryValue(convention: VOCBoxConvention) throws {
  try expectVOCRoundTrip(
    FormatFixtures.dataset("voc2012_100_multiformat/gts/pascalvoc_format"), files: 100,
    convention: convention)
}

/// The other VOC samples (labelImg's raccoon files; VOC2012's main, layout and action
/// files): every object's values come back.
@Test(
  .enabled(if: datasetsPresent, "../shared/datasets is absent"),
  arguments: [
    ("raccoon_voc/annotations", 200), ("voc2012_clarifai10/annotations", 10),
  ])
func otherVOCSamplesRoundTrip(folder: String, files: Int) throws {
  try expectVOCRoundTrip(FormatFixtures.dataset(folder), files: files, convention: .asWritten)
}

/// fixtures/formats/multi/pascalvoc: difficult, truncated and pose flags, boxes on the
/// x = 1 / y = 1 edge, tab-indented files.
@Test(arguments: VOCBoxConvention.allCases)
func fixtureVOCToStoreToVOCGivesBackEveryValue(convention: VOCBoxConvention) throws {
  try expectVOCRoundTrip(
    FormatFixtures.fixture("formats/multi/pascalvoc"), files: 3, convention: convention)
}

private func expectVOCRoundTrip(_ source: URL, files: Int, convention: VOCBoxConvention) throws {
  let out = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: out) }
  let temp = try TemporaryStore()
  try VOCImporter(path: source.path, convention: convention).importDataset(
    into: temp.opened, named: "v")
  let written = try VOCExporter(path: out.path, convention: convention).export(
    from: temp.opened, dataset: "v")
  #expect(written.files == files)
  for original in try xmlFiles(source) {
    let a = try VOCAnnotation.parse(xml: [UInt8](try Data(contentsOf: original))).annotation
    let exported = out.appendingPathComponent("Annotations").appendingPathComponent(
      original.lastPathComponent)
    let b = try VOCAnnotation.parse(xml: [UInt8](try Data(contentsOf: exported))).annotation
    #expect(b.fileName == a.fileName)
    #expect(b.size?.width == a.size?.width && b.size?.height == a.size?.height)
    #expect(
      b.objects.map(Semantic.init) == a.objects.map(Semantic.init), "\(original.lastPathComponent)")
  }
  // And the export imports to the same records.
  try VOCImporter(path: out.path, convention: convention).importDataset(
    into: temp.opened, named: "again")
  #expect(
    try FormatFixtures.namedBoxes(temp.opened, "again")
      == FormatFixtures.namedBoxes(temp.opened, "v"))
}

@Test func decimalCoordinatesComeBackAsWritten() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  let out = try FormatFixtures.temporaryDirectory()
  defer {
    try? FileManager.default.removeItem(at: dir)
    try? FileManager.default.removeItem(at: out)
  }
  let values = ["174.3", "0.1", "349.123456789", "351"]
  try Data(
    """
    <annotation><filename>a.jpg</filename><size><width>500</width><height>400</height></size>
    <object><name>a&amp;b</name><occluded>1</occluded><bndbox><xmin>\(values[0])</xmin><ymin>\(values[1])</ymin><xmax>\(values[2])</xmax><ymax>\(values[3])</ymax></bndbox></object>
    </annotation>
    """.utf8
  ).write(to: dir.appendingPathComponent("a.xml"))
  let temp = try TemporaryStore()
  for convention in VOCBoxConvention.allCases {
    try VOCImporter(path: dir.path, convention: convention).importDataset(
      into: temp.opened, named: "d", options: ImportOptions(replace: true))
    try VOCExporter(path: out.path, convention: convention).export(from: temp.opened, dataset: "d")
    let text = try String(
      contentsOf: out.appendingPathComponent("Annotations/a.xml"), encoding: .utf8)
    for (key, value) in zip(["xmin", "ymin", "xmax", "ymax"], values) {
      #expect(text.contains("<\(key)>\(value)</\(key)>"), "\(convention) \(key)")
    }
    #expect(text.contains("<name>a&amp;b</name>") && text.contains("<occluded>1</occluded>"))
  }
}

@Test func storedNamesNeverWriteOutsideTheOutputFolder() throws {
  let parent = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: parent) }
  let out = parent.appendingPathComponent("out")
  let temp = try TemporaryStore()
  let names = [
    "../../evil.jpg", "/abs/path/x.jpg", "a/../../b.jpg", "", "C:\\win\\y.jpg", "..", "ok\u{0}.jpg",
  ]
  _ = try temp.opened.importDataset(named: "h", format: "test", source: "mem") { w in
    try w.add(CategoryRecord(id: .int(1), name: "<cat>"), at: SourceLocation(file: "mem"))
    for (i, name) in names.enumerated() {
      try w.add(
        ImageRecord(id: .int(Int64(i + 1)), fileName: name, width: 10, height: 10),
        at: SourceLocation(file: "mem"))
      try w.add(
        AnnotationRecord(
          id: .int(Int64(i + 1)), imageID: .int(Int64(i + 1)), categoryID: .int(1), x: 1, y: 1,
          width: 2, height: 2),
        at: SourceLocation(file: "mem"))
    }
  }
  try VOCExporter(path: out.path).export(from: temp.opened, dataset: "h")
  try YOLOExporter(path: out.path).export(from: temp.opened, dataset: "h")
  // Only `out` appeared in the parent folder.
  #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["out"])
  let found = FileManager.default.enumerator(atPath: out.path)!.compactMap { $0 as? String }.filter
  {
    $0.hasSuffix(".xml") || $0.hasSuffix(".txt")
  }.sorted()
  // `..` components are dropped, not resolved: "a/../../b.jpg" stays under "a".
  #expect(
    found == [
      "Annotations/a/b.xml", "Annotations/abs/path/x.xml", "Annotations/evil.xml",
      "Annotations/image_4.xml", "Annotations/image_6.xml", "Annotations/ok.xml",
      "Annotations/win/y.xml", "labels/a/b.txt", "labels/abs/path/x.txt", "labels/evil.txt",
      "labels/image_4.txt", "labels/image_6.txt", "labels/ok.txt", "labels/win/y.txt",
    ])
}

@Test func twoImagesOnOneFileAndSymlinksInTheOutputAreRefused() throws {
  let parent = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: parent) }
  let temp = try TemporaryStore()
  _ = try temp.opened.importDataset(named: "c", format: "test", source: "mem") { w in
    try w.add(
      ImageRecord(id: .int(1), fileName: "a/x.jpg", width: 10, height: 10),
      at: SourceLocation(file: "mem"))
    try w.add(
      ImageRecord(id: .int(2), fileName: "a/./x.png", width: 10, height: 10),
      at: SourceLocation(file: "mem"))
  }
  let error = #expect(throws: StoreError.self) {
    try VOCExporter(path: parent.appendingPathComponent("one").path).export(
      from: temp.opened, dataset: "c")
  }
  #expect(error?.code == .io)
  #expect(error?.message.contains("both export to Annotations/a/x.xml") == true)

  let outside = parent.appendingPathComponent("outside")
  let out = parent.appendingPathComponent("two")
  try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
  try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
  try FileManager.default.createSymbolicLink(
    at: out.appendingPathComponent("Annotations"), withDestinationURL: outside)
  let linked = #expect(throws: StoreError.self) {
    try VOCExporter(path: out.path).export(from: temp.opened, dataset: "c")
  }
  #expect(linked?.message.contains("symbolic link") == true)
  #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
}

@Test func sanitizedComponentsDropEveryEscape() {
  #expect(OutputFolder.sanitizedComponents("../../x") == ["x"])
  #expect(OutputFolder.sanitizedComponents("/abs/path") == ["abs", "path"])
  #expect(OutputFolder.sanitizedComponents("a/./b/../c") == ["a", "b", "c"])
  #expect(OutputFolder.sanitizedComponents("D:\\x\\y.jpg") == ["x", "y.jpg"])
  #expect(OutputFolder.sanitizedComponents("..\\..\\z") == ["z"])
  #expect(OutputFolder.sanitizedComponents("/..//.") == [])
  #expect(OutputFolder.sanitizedComponents("a\u{0}b") == ["ab"])
}
