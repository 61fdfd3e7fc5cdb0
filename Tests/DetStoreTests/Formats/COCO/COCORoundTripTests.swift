import Foundation
import Testing

@testable import DetStore

/// The COCO fixtures made for detkit's round-trip tests (`fixtures/formats/coco_*.json`).
let cocoRoundTripFixtures = ["coco_kept_members.json", "coco_lvis_images_last.json"]

/// Imports `url` as dataset `name`, exports it, and returns the source and the export as
/// JSON values.
private func roundTrip(_ url: URL, in temp: TemporaryStore, name: String = "d") throws -> (
  JSONValue, JSONValue
) {
  _ = try COCOImporter(path: url.path).importDataset(into: temp.opened, named: name)
  let out = temp.directory.appendingPathComponent("\(name)-export.json")
  try COCOExporter(path: out.path).export(from: temp.opened, dataset: name)
  return (try JSONValue.parse(contentsOf: url), try JSONValue.parse(contentsOf: out))
}

@Test(
  "import then export of a COCO fixture gives an equal document", arguments: cocoRoundTripFixtures)
func cocoFixtureRoundTrips(fixture: String) throws {
  let temp = try TemporaryStore()
  let (source, exported) = try roundTrip(
    FormatFixtures.fixture("formats/" + fixture), in: temp)
  let difference = source.firstDifference(from: exported)
  #expect(difference == nil, "\(fixture): \(difference ?? "")")
}

@Test func unknownMembersAndSourceFormsAreKeptAtEveryLevel() throws {
  let temp = try TemporaryStore()
  let (_, exported) = try roundTrip(
    FormatFixtures.fixture("formats/coco_kept_members.json"), in: temp)
  guard case .object(let top) = exported, case .array(let images)? = top["images"],
    case .array(let annotations)? = top["annotations"],
    case .array(let categories)? = top["categories"], case .object(let image)? = images.first,
    case .object(let crowd)? = annotations.dropFirst().first,
    case .object(let noDefaults)? = annotations.dropFirst(2).first,
    case .object(let category)? = categories.first
  else {
    Issue.record("unexpected export shape: \(exported)")
    return
  }
  // Top level: info, licenses and keys around the arrays.
  #expect(top["licenses"] != nil && top["info"] != nil)
  #expect(top["type"] == .string("instances"))
  #expect(top["trailing"] == .object(["note": .string("a key after the arrays")]))
  // Image: the id stays the string the source wrote; unknown members come back.
  #expect(image["id"] == .string("2299"))
  #expect(image["coco_url"] == .string("http://images.cocodataset.org/val2017/000000002299.jpg"))
  #expect(image["license"] == .number(4))
  // Annotation: `iscrowd: true` and string references as written; `ignore` kept.
  #expect(crowd["iscrowd"] == .bool(true))
  #expect(crowd["image_id"] == .string("2299"))
  #expect(crowd["category_id"] == .string("3"))
  #expect(crowd["ignore"] == .number(1))
  // Absent `area` and `iscrowd` stay absent; a non-integral id stays a number.
  #expect(noDefaults["area"] == nil && noDefaults["iscrowd"] == nil)
  #expect(noDefaults["id"] == .number(1.5))
  // Category (source order, not id order): null supercategory and LVIS members.
  #expect(category["id"] == .number(3))
  #expect(category["supercategory"] == .null)
  #expect(category["synonyms"] == .array([.string("cat"), .string("kitty")]))
  #expect(category["def"] == .string("a \"small\" feline"))
}

@Test func theKeptMembersDoNotChangeWhatTheStoreReads() throws {
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: FormatFixtures.fixture("formats/coco_kept_members.json").path)
    .importDataset(into: temp.opened, named: "d")
  let image = try temp.opened.image(in: "d", id: .int(2299))
  #expect(image.width == 640 && image.height == 480 && image.fileName == "000000002299.jpg")
  let annotations = try temp.opened.annotations(in: "d", image: .int(2299))
  #expect(annotations.count == 2)
  #expect(annotations[1].isCrowd && annotations[1].categoryID == .int(3))
  #expect(annotations[1].area == 25)
  let last = try temp.opened.annotations(in: "d", image: .text("img_8"))
  #expect(last.count == 1 && last[0].area == 4 && !last[0].isDifficult && last[0].isTruncated)
}

@Test func aStoreOfSchemaVersionTwoOpensAndExportsAsBefore() throws {
  let directory = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let path = directory.appendingPathComponent("v2.sqlite").path
  do {
    // A store as detkit wrote it before the v3 migration.
    let database = try Database(path: path)
    for migration in Schema.migrations.prefix(2) { try database.execute(migration.sql) }
    try database.execute(
      """
      PRAGMA user_version = 2;
      INSERT INTO datasets (id, name, format, source) VALUES (1, 'old', 'coco', 'x.json');
      INSERT INTO categories (dataset_id, original_id, idx, name) VALUES (1, 1, 0, 'a');
      INSERT INTO images (dataset_id, original_id, file_name, width, height)
        VALUES (1, 'img', 'a.jpg', 10, 20);
      INSERT INTO annotations (dataset_id, ordinal, original_id, image_id, category_id, x, y, w,
        h, area, iscrowd, difficult, truncated, occluded, extra)
        VALUES (1, 0, 1, 'img', 1, 1, 2, 3, 4, 12, 0, 0, 0, 0, '{"ignore": 1}');
      """)
  }
  let store = try AnnotationStore(path: path)
  let out = directory.appendingPathComponent("old.json")
  try COCOExporter(path: out.path).export(from: store, dataset: "old")
  let expected = JSONValue.object([
    "info": .object([
      "description": .string("exported by detkit from dataset old"), "format": .string("coco"),
    ]),
    "images": .array([
      .object([
        "id": .string("img"), "file_name": .string("a.jpg"), "width": .number(10),
        "height": .number(20),
      ])
    ]),
    "annotations": .array([
      .object([
        "id": .number(1), "image_id": .string("img"), "category_id": .number(1),
        "bbox": .array([.number(1), .number(2), .number(3), .number(4)]), "area": .number(12),
        "iscrowd": .number(0), "ignore": .number(1),
      ])
    ]),
    "categories": .array([.object(["id": .number(1), "name": .string("a")])]),
  ])
  let exported = try JSONValue.parse(contentsOf: out)
  #expect(exported.firstDifference(from: expected) == nil, "\(exported)")
  #expect(try store.sourceDocument(of: "old") == nil)
}

@Test func aRecordArrayGivenTwiceIsExportedOnceWithAllItsRecords() throws {
  let temp = try TemporaryStore()
  let path = try writeTemp(
    #"{"categories": [{"id": 1, "name": "a"}], "images": [], "categories": [{"id": 2, "name": "b"}]}"#,
    in: temp)
  _ = try COCOImporter(path: path).importDataset(into: temp.opened, named: "d")
  let out = temp.directory.appendingPathComponent("out.json")
  try COCOExporter(path: out.path).export(from: temp.opened, dataset: "d")
  let text = try String(contentsOf: out, encoding: .utf8)
  #expect(text.components(separatedBy: "\"categories\"").count == 2, "\(text)")
  guard case .object(let top) = try JSONValue.parse(contentsOf: out),
    case .array(let categories)? = top["categories"]
  else {
    Issue.record("unexpected export: \(text)")
    return
  }
  #expect(categories.count == 2)
  _ = try COCOImporter(path: out.path).importDataset(into: temp.opened, named: "again")
  #expect(try temp.opened.dataset(named: "again").categories == 2)
}
