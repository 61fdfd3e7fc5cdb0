import Foundation
import Testing

@testable import DetStore

/// Records keyed by canonical id, from Foundation's reading of a COCO file.
private func byID(_ records: Any?) -> [RecordID: [String: Any]] {
  var result: [RecordID: [String: Any]] = [:]
  for record in records as! [[String: Any]] { result[independentID(record["id"]!)] = record }
  return result
}

private func number(_ value: Any?) -> Double { (value as! NSNumber).doubleValue }

/// Checks that `exported` holds every record of `original` with the same ids, boxes,
/// sizes, names and segmentation (compared as parsed JSON values).
private func expectSameRecords(_ original: [String: Any], _ exported: [String: Any], _ name: String)
{
  let (oi, ei) = (byID(original["images"]), byID(exported["images"]))
  #expect(Set(oi.keys) == Set(ei.keys), "\(name) image ids")
  for (id, o) in oi {
    guard let e = ei[id] else { continue }
    #expect(o["file_name"] as? String == e["file_name"] as? String)
    #expect(number(o["width"]) == number(e["width"]) && number(o["height"]) == number(e["height"]))
  }
  let (oc, ec) = (byID(original["categories"]), byID(exported["categories"]))
  #expect(Set(oc.keys) == Set(ec.keys), "\(name) category ids")
  for (id, o) in oc {
    #expect(o["name"] as? String == ec[id]?["name"] as? String)
    #expect(o["supercategory"] as? String == ec[id]?["supercategory"] as? String)
  }
  let (oa, ea) = (byID(original["annotations"]), byID(exported["annotations"]))
  #expect(Set(oa.keys) == Set(ea.keys), "\(name) annotation ids")
  for (id, o) in oa {
    guard let e = ea[id] else { continue }
    #expect(independentID(o["image_id"]!) == independentID(e["image_id"]!))
    #expect(independentID(o["category_id"]!) == independentID(e["category_id"]!))
    let (ob, eb) = ((o["bbox"] as! [Any]).map(number), (e["bbox"] as! [Any]).map(number))
    #expect(ob == eb, "\(name) annotation \(id) bbox")
    let area = o["area"].map(number) ?? ob[2] * ob[3]
    #expect(number(e["area"]) == area)
    #expect((o["iscrowd"].map(number) ?? 0) == number(e["iscrowd"]))
    if let segmentation = o["segmentation"] {
      #expect(
        (segmentation as! NSObject).isEqual(e["segmentation"]),
        "\(name) annotation \(id) segmentation")
    } else {
      #expect(e["segmentation"] == nil)
    }
  }
}

@Test(
  "exporting an imported sample gives back every record; re-importing gives the same store",
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
  expectSameRecords(try foundationJSON(url), try foundationJSON(URL(fileURLWithPath: out)), sample)

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
