import Foundation
import Testing

@testable import DetStore

@Test(
  "exporting an imported sample gives back an equal document; re-importing gives the same store",
  .enabled(if: datasetsPresent, "../shared/datasets is absent; skipping real samples"),
  arguments: cocoSamples)
func sharedSampleRoundTrips(sample: String) throws {
  try expectRoundTrip(sharedDatasets.appendingPathComponent(sample), sample)
}

@Test(
  "exporting an imported fixture gives back every record; re-importing gives the same store",
  arguments: cocoFixtures)
func fixtureSampleRoundTrips(sample: String) throws {
  try expectRoundTrip(FormatFixtures.fixture("formats/" + sample), sample)
}

private func expectRoundTrip(_ url: URL, _ sample: String) throws {
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: url.path).importDataset(into: temp.opened, named: "a")
  let out = temp.directory.appendingPathComponent("export.json").path
  try COCOExporter(path: out).export(from: temp.opened, dataset: "a")
  let difference = try JSONValue.parse(contentsOf: url)
    .firstDifference(from: try JSONValue.parse(contentsOf: URL(fileURLWithPath: out)))
  #expect(difference == nil, "\(sample): \(difference ?? "")")

  _ = try COCOImporter(path: out).importDataset(into: temp.opened, named: "b")
  func all(_ name: String) throws -> ([ImageRecord], [AnnotationRecord], [CategoryRecord]) {
    var result: ([ImageRecord], [AnnotationRecord], [CategoryRecord]) = ([], [], [])
    try temp.opened.forEachImage(in: name) { result.0.append($0) }
    try temp.opened.forEachAnnotation(in: name) { result.1.append($0) }
    try temp.opened.forEachCategory(in: name) { result.2.append($0) }
    return result
  }
  let (a, b) = (try all("a"), try all("b"))
  #expect(a.0 == b.0 && a.1 == b.1 && a.2 == b.2)
}

@Test func vocFieldsAndExtraTravelThroughCOCO() throws {
  let temp = try TemporaryStore()
  let here = SourceLocation(file: "t")
  _ = try temp.opened.importDataset(named: "v", format: "voc", source: "mem") { w in
    try w.add(CategoryRecord(id: .text("dog"), name: "dog"), at: here)
    try w.add(
      ImageRecord(
        id: .text("2007_000027"), fileName: "../../etc/x \"q\".jpg", width: 50, height: 40),
      at: here)
    try w.add(
      AnnotationRecord(
        id: .int(1), imageID: .text("2007_000027"), categoryID: .text("dog"), x: 0.1, y: 2,
        width: 3.3333333333333335, height: 4, isDifficult: true, isTruncated: true,
        isOccluded: true,
        pose: "Left", extra: #"{"ignore": 1}"#), at: here)
  }
  let out = temp.directory.appendingPathComponent("v.json").path
  try COCOExporter(path: out).export(from: temp.opened, dataset: "v")
  let json = try foundationJSON(URL(fileURLWithPath: out))
  let annotation = (json["annotations"] as! [[String: Any]])[0]
  #expect(annotation["ignore"] as? Int == 1)
  #expect(annotation["pose"] as? String == "Left")
  #expect(
    (json["images"] as! [[String: Any]])[0]["file_name"] as? String == "../../etc/x \"q\".jpg")
  _ = try COCOImporter(path: out).importDataset(into: temp.opened, named: "w")
  let back = try temp.opened.annotations(in: "w", image: .text("2007_000027"))
  #expect(back.count == 1)
  #expect(
    back[0].isDifficult && back[0].isTruncated && back[0].isOccluded && back[0].pose == "Left")
  #expect(back[0].width == 3.3333333333333335 && back[0].x == 0.1)
}

@Test func jsonNumbersAndStringsAreWrittenExactly() {
  #expect(JSONText.number(10) == "10")
  #expect(JSONText.number(-0.5) == "-0.5")
  #expect(Double(JSONText.number(0.1 + 0.2)) == 0.1 + 0.2)
  #expect(Double(JSONText.number(1e300)) == 1e300)
  #expect(JSONText.string("a\"b\\c\n\u{01}é") == "\"a\\\"b\\\\c\\n\\u0001é\"")
  #expect(JSONText.id(.text("2299x")) == "\"2299x\"")
  #expect(JSONText.id(.int(-3)) == "-3")
}
