import Foundation
import Testing

@testable import DetStore

private func parse(_ text: String) throws -> VOCAnnotation.Parsed {
  try VOCAnnotation.parse(xml: Array(text.utf8))
}

private func xmlFiles(_ folder: URL) throws -> [URL] {
  try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
    .filter { $0.pathExtension == "xml" }.sorted { $0.path < $1.path }
}

@Test func childOrderDoesNotMatterAndPartsAreNotObjects() throws {
  let parsed = try parse(
    """
    <annotation>
      <object>
        <bndbox><xmax>283</xmax><xmin>113</xmin><ymax>390.5</ymax><ymin>112</ymin></bndbox>
        <difficult>0</difficult><occluded>1</occluded><pose>Frontal</pose><truncated>true</truncated>
        <part><name>hand</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></part>
        <name> person </name>
      </object>
      <segmented>0</segmented>
      <size><depth></depth><height>500</height><width>375</width></size>
      <filename>2011_001610.jpg</filename>
    </annotation>
    """)
  #expect(parsed.rejectedObjects.isEmpty)
  let a = parsed.annotation
  #expect(a.fileName == "2011_001610.jpg")
  #expect(a.size == VOCAnnotation.Size(width: 375, height: 500, depth: nil))
  #expect(a.segmented == false)
  #expect(
    a.objects == [
      VOCObject(
        name: "person", xmin: 113, ymin: 112, xmax: 283, ymax: 390.5, pose: "Frontal",
        truncated: true, difficult: false, occluded: true, line: 2)
    ])
}

@Test func malformedObjectsAreRejectedOneByOneWithTheirPath() throws {
  let parsed = try parse(
    """
    <annotation><filename>a.jpg</filename>
    <object><name>ok</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object>
    <object><name>nobox</name></object>
    <object><name>nan</name><bndbox><xmin>nan</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object>
    <object><name>twice</name><bndbox><xmin>1</xmin><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object>
    <object><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object>
    <object><name>flag</name><difficult>maybe</difficult><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object>
    <object><name>huge</name><bndbox><xmin>1e999</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object>
    </annotation>
    """)
  #expect(parsed.annotation.objects.map(\.name) == ["ok"])
  let failures = parsed.rejectedObjects
  #expect(
    failures.map(\.element) == [
      "annotation/object[2]", "annotation/object[3]/bndbox/xmin",
      "annotation/object[4]/bndbox/xmin",
      "annotation/object[5]", "annotation/object[6]/difficult", "annotation/object[7]/bndbox/xmin",
    ])
  #expect(failures.map(\.line) == [3, 4, 5, 6, 7, 8])
  #expect(failures[1].reason.contains("not a finite decimal"))
  #expect(failures[2].reason.contains("2 times"))
}

@Test func headerProblemsThrow() {
  for (doc, words) in [
    ("<root><filename>a</filename></root>", "expected <annotation>"),
    ("<annotation><folder>x</folder></annotation>", "missing or empty <filename>"),
    ("<annotation><filename>a</filename><filename>b</filename></annotation>", "2 times"),
    ("<annotation><filename>a</filename><size><width>5</width></size></annotation>", "<height>"),
    (
      "<annotation><filename>a</filename><size><width>5.5</width><height>4</height></size></annotation>",
      "whole number"
    ),
  ] {
    let error = #expect(throws: FormatFailure.self, "\(doc)") { try parse(doc) }
    #expect(error?.reason.contains(words) == true, "\(error?.reason ?? "")")
  }
}

@Test func zeroSizeMeansUnknown() throws {
  let parsed = try parse(
    "<annotation><filename>a</filename><size><width>0</width><height>0</height></size></annotation>"
  )
  #expect(parsed.annotation.size == nil)
}

// MARK: - Real samples, counted independently (SOURCES.md and the datasets' own CSVs)

/// Parses an original VOC folder and its CVAT flavour (float coordinates, empty <depth>,
/// only <occluded>): every object parses, flags and poses count as stated, same boxes.
private func expectVOCAndCVATParse(
  voc: URL, cvat: URL, objects expected: Int, difficult expectedDifficult: Int,
  truncated expectedTruncated: Int
) throws {
  var objects = 0
  var difficult = 0
  var truncated = 0
  var poses = 0
  for url in try xmlFiles(voc) {
    let parsed = try VOCAnnotation.parse(xml: [UInt8](try Data(contentsOf: url)))
    #expect(parsed.rejectedObjects.isEmpty)
    #expect(parsed.annotation.fileName == url.deletingPathExtension().lastPathComponent + ".jpg")
    #expect(parsed.annotation.size != nil)
    objects += parsed.annotation.objects.count
    difficult += parsed.annotation.objects.filter { $0.difficult == true }.count
    truncated += parsed.annotation.objects.filter { $0.truncated == true }.count
    poses += parsed.annotation.objects.filter { $0.pose != nil }.count
  }
  #expect(objects == expected && difficult == expectedDifficult)
  #expect(truncated == expectedTruncated && poses == expected)

  // The CVAT flavour: float coordinates, empty <depth>, only <occluded>; same boxes.
  var cvatObjects = 0
  for url in try xmlFiles(cvat) {
    let parsed = try VOCAnnotation.parse(xml: [UInt8](try Data(contentsOf: url)))
    #expect(parsed.rejectedObjects.isEmpty)
    #expect(parsed.annotation.size?.depth == nil)
    let original = try VOCAnnotation.parse(
      xml: [UInt8](try Data(contentsOf: voc.appendingPathComponent(url.lastPathComponent))))
    let key: (VOCObject) -> [Double] = { [$0.xmin, $0.ymin, $0.xmax, $0.ymax] }
    #expect(
      parsed.annotation.objects.map(key).sorted { $0.lexicographicallyPrecedes($1) }
        == original.annotation.objects.map(key).sorted { $0.lexicographicallyPrecedes($1) })
    #expect(parsed.annotation.objects.allSatisfy { $0.occluded == false && $0.difficult == nil })
    cvatObjects += parsed.annotation.objects.count
  }
  #expect(cvatObjects == expected)
}

@Test(
  .enabled(
    if: FormatFixtures.hasDataset("voc2012_100_multiformat"),
    "../shared/datasets/voc2012_100_multiformat is absent"))
func voc2012FilesParseWithTheirDocumentedCounts() throws {
  let root = FormatFixtures.dataset("voc2012_100_multiformat/gts")
  try expectVOCAndCVATParse(
    voc: root.appendingPathComponent("pascalvoc_format"),
    cvat: root.appendingPathComponent("imagenet_format/Annotations"), objects: 273,
    difficult: 38, truncated: 137)
}

@Test func fixtureVOCFilesParseWithTheirStatedCounts() throws {
  let root = FormatFixtures.fixture("formats/multi")
  try expectVOCAndCVATParse(
    voc: root.appendingPathComponent("pascalvoc"),
    cvat: root.appendingPathComponent("cvat_voc/Annotations"), objects: 7, difficult: 3,
    truncated: 3)
}

private func expectEveryFileParses(_ folder: URL, objects expected: Int) throws {
  var objects = 0
  for url in try xmlFiles(folder) {
    let parsed = try VOCAnnotation.parse(xml: [UInt8](try Data(contentsOf: url)))
    #expect(parsed.rejectedObjects.isEmpty, "\(url.lastPathComponent)")
    #expect(parsed.annotation.size != nil)
    objects += parsed.annotation.objects.count
  }
  #expect(objects == expected)
}

@Test(
  .enabled(
    if: FormatFixtures.hasDataset("voc2012_clarifai10"),
    "../shared/datasets/voc2012_clarifai10 is absent"))
func clarifaiFilesWithSizeAfterObjectsPartsAndActions() throws {
  try expectEveryFileParses(FormatFixtures.dataset("voc2012_clarifai10/annotations"), objects: 18)
}

/// fixtures/formats/voc/reordered: size after objects, <part>s, <actions> and <point>.
@Test func fixtureFilesWithSizeAfterObjectsPartsAndActions() throws {
  let folder = FormatFixtures.fixture("formats/voc/reordered")
  try expectEveryFileParses(folder, objects: 4)
  let parsed = try VOCAnnotation.parse(
    xml: [UInt8](try Data(contentsOf: folder.appendingPathComponent("2011_000002.xml"))))
  #expect(parsed.annotation.size == VOCAnnotation.Size(width: 444, height: 333, depth: 3))
  #expect(parsed.annotation.objects.map(\.name) == ["person", "chair"])
  // <occluded> is on the first object only; the second has none.
  #expect(parsed.annotation.objects.map(\.occluded) == [true, nil])
  #expect(parsed.annotation.objects.map(\.difficult) == [false, true])
}

/// Parses labelImg files and compares them line by line with the CSV beside them.
private func expectFilesMatchCSV(
  annotations: URL, csv: URL, boxes: Int, truncated expectedTruncated: Int
) throws {
  let text = try String(contentsOf: csv, encoding: .utf8)
  // filename,width,height,class,xmin,ymin,xmax,ymax
  var expected: [String] = []
  for line in text.split(separator: "\n").dropFirst() {
    expected.append(line.trimmingCharacters(in: .whitespacesAndNewlines))
  }
  var found: [String] = []
  var truncated = 0
  for url in try xmlFiles(annotations) {
    let a = try VOCAnnotation.parse(xml: [UInt8](try Data(contentsOf: url))).annotation
    for o in a.objects {
      let size = try #require(a.size)
      found.append(
        [
          a.fileName, "\(size.width)", "\(size.height)", o.name,
          "\(Int(o.xmin))", "\(Int(o.ymin))", "\(Int(o.xmax))", "\(Int(o.ymax))",
        ].joined(separator: ","))
      if o.truncated == true { truncated += 1 }
    }
  }
  #expect(found.count == boxes && truncated == expectedTruncated)
  #expect(found.sorted() == expected.sorted())
}

@Test(
  .enabled(if: FormatFixtures.hasDataset("raccoon_voc"), "../shared/datasets/raccoon_voc is absent")
)
func raccoonFilesMatchTheirCSV() throws {
  let root = FormatFixtures.dataset("raccoon_voc")
  try expectFilesMatchCSV(
    annotations: root.appendingPathComponent("annotations"),
    csv: root.appendingPathComponent("data/raccoon_labels.csv"), boxes: 217, truncated: 59)
}

/// fixtures/formats/voc/labelimg: verified attribute, absolute path, depth 1, tabs.
@Test func fixtureLabelImgFilesMatchTheirCSV() throws {
  let root = FormatFixtures.fixture("formats/voc/labelimg")
  try expectFilesMatchCSV(
    annotations: root.appendingPathComponent("annotations"),
    csv: root.appendingPathComponent("labels.csv"), boxes: 4, truncated: 2)
  let grey = try VOCAnnotation.parse(
    xml: [UInt8](try Data(contentsOf: root.appendingPathComponent("annotations/raccoon-2.xml"))))
  #expect(grey.annotation.size == VOCAnnotation.Size(width: 450, height: 495, depth: 1))
}
