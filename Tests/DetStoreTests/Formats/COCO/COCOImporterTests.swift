import Foundation
import Testing

@testable import DetStore

/// `shared/datasets` beside the package root (`<repo>/../shared/datasets`), or beside one of
/// its ancestors (a git worktree may sit deeper than the main checkout).
let sharedDatasets: URL = {
  var dir = packageFile(".").standardizedFileURL.deletingLastPathComponent()
  while dir.path != "/" {
    let candidate = dir.appendingPathComponent("shared/datasets")
    if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
    dir.deleteLastPathComponent()
  }
  return packageFile("../shared/datasets")
}()
let datasetsPresent = FileManager.default.fileExists(atPath: sharedDatasets.path)

/// Every COCO instances file among the shared samples.
let cocoSamples = [
  "coco_val2014_100/instances_val2014_100.json",
  "coco_val2017_small/airo_instances_val2017_small.json",
  "coco_val2017_small/clarifai_instances_val2017_subset.json",
  "coco_val2017_small/fce_gt_ignore_test.json",
  "lvis_val2017_100/lvis_val_100.json",
  "visdrone_sahi/visdrone2019-det-train-first50image.json",
  "visdrone_sahi/coco_evaluate/dataset.json",
  "roboflow_chess/train/_annotations.coco.json",
  "roboflow_chess/valid/_annotations.coco.json",
  "roboflow_chess/test/_annotations.coco.json",
  "voc2012_100_multiformat/gts/coco_format_v1/instances_default.json",
  "voc2012_100_multiformat/gts/coco_format_v2/instances_v2.json",
  "voc2012_100_multiformat/dets/coco_format/coco_dets.json",
]

/// The file parsed by Foundation: an independent reading to compare with.
func foundationJSON(_ url: URL) throws -> [String: Any] {
  try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
}

/// An id as `RecordID` canonicalises it, computed here independently from Foundation's value.
func independentID(_ value: Any) -> RecordID {
  if let text = value as? String {
    if let n = Int64(text), String(n) == text { return .int(n) }
    return .text(text)
  }
  return .int((value as! NSNumber).int64Value)
}

func writeTemp(_ text: String, in temp: TemporaryStore, name: String = "input.json") throws
  -> String
{
  let url = temp.directory.appendingPathComponent(name)
  try Data(text.utf8).write(to: url)
  return url.path
}

/// The COCO files of `fixtures/formats` (made by tools/make_format_fixtures.py): each shows
/// on a few boxes a quirk of one shared sample (README.md there says which), so a clone
/// without `../shared/datasets` tests the same behaviour.
let cocoFixtures = [
  "coco/crowd_rle.json",  // coco_val2014_100: uncompressed-RLE crowd, id gaps, no final newline
  "coco/lvis_like.json",  // lvis_val2017_100: images last, no iscrowd, LVIS fields
  "coco/string_ids.json",  // fce_gt_ignore_test: image id "2299" and 2299, ignore, no segmentation
  "coco/zero_based.json",  // roboflow_chess, visdrone_sahi: 0-based ids, unused category 0
  "coco/dets_as_dataset.json",  // voc2012 coco_dets: score on annotations, (w+1)(h+1) areas
  "multi/coco_v1/instances_default.json",  // CVAT export: attributes, date_captured 0
  "multi/coco_v2/instances_v2.json",  // "type", ignore, image ids above 2^31
]

@Test(
  "every shared COCO sample imports with the counts Foundation finds",
  .enabled(if: datasetsPresent, "../shared/datasets is absent; skipping real samples"),
  arguments: cocoSamples)
func sharedSampleImports(sample: String) throws {
  try expectImportMatchesFoundation(sharedDatasets.appendingPathComponent(sample))
}

@Test("every COCO fixture imports with the counts Foundation finds", arguments: cocoFixtures)
func fixtureSampleImports(sample: String) throws {
  try expectImportMatchesFoundation(FormatFixtures.fixture("formats/" + sample))
}

/// Imports `url` and compares counts, crowd boxes and annotation ids with Foundation's
/// reading of the same file.
private func expectImportMatchesFoundation(_ url: URL) throws {
  let json = try foundationJSON(url)
  let temp = try TemporaryStore()
  let report = try COCOImporter(path: url.path).importDataset(into: temp.opened, named: "s")
  let images = json["images"] as! [[String: Any]]
  let annotations = json["annotations"] as! [[String: Any]]
  let categories = json["categories"] as! [[String: Any]]
  #expect(report.images == images.count)
  #expect(report.annotations == annotations.count)
  #expect(report.categories == categories.count)
  #expect(report.skipped.isEmpty)
  let info = try temp.opened.dataset(named: "s")
  #expect(info.images == images.count && info.annotations == annotations.count)
  // Crowd count and the set of annotation ids agree too.
  let crowd = annotations.filter { ($0["iscrowd"] as? NSNumber)?.intValue == 1 }.count
  #expect(try temp.opened.statistics(of: "s").crowd == crowd)
  var ids = Set<RecordID>()
  try temp.opened.forEachAnnotation(in: "s") { ids.insert($0.id) }
  #expect(ids == Set(annotations.map { independentID($0["id"]!) }))
}

@Test(
  "string and integer spellings of an image id meet (fce_gt_ignore_test: \"2299\" and 2299)",
  .enabled(if: datasetsPresent, "../shared/datasets is absent"))
func mixedIDTypesResolve() throws {
  let url = sharedDatasets.appendingPathComponent("coco_val2017_small/fce_gt_ignore_test.json")
  let temp = try TemporaryStore()
  let report = try COCOImporter(path: url.path).importDataset(into: temp.opened, named: "fce")
  #expect(report.annotations == 14)
  #expect(try temp.opened.annotations(in: "fce", image: .int(2299)).count == 14)
}

@Test("string and integer spellings of an image id meet (fixture: \"2299\" and 2299)")
func mixedIDTypesResolveInTheFixture() throws {
  let url = FormatFixtures.fixture("formats/coco/string_ids.json")
  let temp = try TemporaryStore()
  let report = try COCOImporter(path: url.path).importDataset(into: temp.opened, named: "ids")
  // 5 annotations: 4 say 2299, 1 says "2299"; the image's own id is "2299".
  #expect(report.annotations == 5 && report.skipped.isEmpty)
  let stored = try temp.opened.annotations(in: "ids", image: .int(2299))
  #expect(stored.count == 5)
  // Crowd is read from iscrowd (4005); there is no segmentation key to store.
  #expect(stored.filter(\.isCrowd).map(\.id) == [.int(4005)])
  #expect(stored.allSatisfy { $0.segmentation == nil })
}

@Test("64-bit image ids, 0-based ids and an unused category 0 keep their values")
func idSchemesKeepTheirValues() throws {
  let temp = try TemporaryStore()
  _ = try COCOImporter(path: FormatFixtures.fixture("formats/multi/coco_v2/instances_v2.json").path)
    .importDataset(into: temp.opened, named: "v2")
  var imageIDs: [RecordID] = []
  try temp.opened.forEachImage(in: "v2") { imageIDs.append($0.id) }
  #expect(imageIDs == [.int(20_180_000_001), .int(20_180_000_002), .int(20_180_000_003)])
  #expect(try temp.opened.annotations(in: "v2", image: .int(20_180_000_003)).count == 3)

  _ = try COCOImporter(path: FormatFixtures.fixture("formats/coco/zero_based.json").path)
    .importDataset(into: temp.opened, named: "zero")
  var categories: [RecordID: String] = [:]
  try temp.opened.forEachCategory(in: "zero") { categories[$0.id] = $0.name }
  #expect(categories == [.int(0): "pieces", .int(1): "human", .int(2): "vehicle"])
  #expect(
    try temp.opened.annotations(in: "zero", image: .int(0)).map(\.id) == [
      .int(0), .int(1), .int(2),
    ])
  // The file's (bogus) area is kept as written: the image area, not w * h.
  #expect(
    try temp.opened.annotations(in: "zero", image: .int(0)).allSatisfy { $0.area == 960 * 540 })
  #expect(try temp.opened.annotations(in: "zero", image: .int(2)).isEmpty)
}

@Test func keyOrderDoesNotMatter() throws {
  let images = #""images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 80}]"#
  let categories = #""categories": [{"id": 3, "name": "cat", "supercategory": null}]"#
  let annotations =
    #""annotations": [{"id": 9, "image_id": 1, "category_id": 3, "bbox": [1, 2, 30, 40], "extra": {"x": [1, {"y": null}]}}]"#
  let temp = try TemporaryStore()
  for (n, order) in [
    [images, annotations, categories], [categories, annotations, images],
    [annotations, images, categories], [annotations, categories, images],
  ].enumerated() {
    let path = try writeTemp("{\"info\": {}, " + order.joined(separator: ", ") + "}", in: temp)
    let report = try COCOImporter(path: path).importDataset(into: temp.opened, named: "o\(n)")
    #expect(report.annotations == 1 && report.images == 1 && report.categories == 1, "\(order)")
  }
}

/// Imports `text` strictly and returns the error's description (or nil when it imports).
private func strictError(_ text: String, in temp: TemporaryStore) throws -> StoreError? {
  let path = try writeTemp(text, in: temp)
  do {
    _ = try COCOImporter(path: path).importDataset(
      into: temp.opened, named: "x", options: ImportOptions(replace: true))
    return nil
  } catch let error as StoreError {
    return error
  }
}

@Test func errorsNameFileLineColumnAndJSONPath() throws {
  let temp = try TemporaryStore()
  let text = """
    {"images": [{"id": 1, "file_name": "a", "width": 10, "height": 10}],
     "categories": [{"id": 1, "name": "c"}],
     "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]},
      {"id": 2, "image_id": 1, "category_id": 1, "bbox": [1, 1, "2", 2]}]}
    """
  let error = try #require(try strictError(text, in: temp))
  #expect(error.code == .invalidRecord && error.reason == .malformed)
  #expect(
    error.description.contains(
      "(annotations[1].bbox[2]): malformed: expected a number, found a string"))
  #expect(error.location?.line == 4)
  #expect(error.location?.file.hasSuffix("input.json") == true)
  let syntax = try #require(try strictError("{\"images\": [{\"id\": 1,, }]}", in: temp))
  #expect(syntax.code == .malformedInput)
  #expect(syntax.location?.line == 1 && syntax.location?.column == 22)
  #expect(syntax.location?.path == "images[0].id")
}

@Test func malformedRecordsAreSkippedAndCountedUnderSkip() throws {
  let temp = try TemporaryStore()
  let text = """
    {"images": [{"id": 1, "file_name": "a", "width": 10, "height": 10}, {"id": 2, "width": 5}, 7],
     "categories": [{"id": 1, "name": "c"}, {"id": [1], "name": "d"}],
     "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]},
      {"id": 2, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2]},
      {"id": 3, "image_id": 1, "category_id": 1},
      {"id": 4, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "iscrowd": "yes"},
      {"id": 5, "image_id": 1, "category_id": 1, "bbox": [1, 1, 1e999, 2]},
      {"id": 6, "image_id": 77, "category_id": 1, "bbox": [1, 1, 2, 2]}]}
    """
  let path = try writeTemp(text, in: temp)
  let report = try COCOImporter(path: path).importDataset(
    into: temp.opened, named: "x", options: ImportOptions(policy: .skip))
  #expect(report.images == 1 && report.categories == 1 && report.annotations == 1)
  #expect(report.skipped == [.malformed: 6, .nonFinite: 1, .unknownImage: 1])
}

@Test func hostileInputsThrowInsteadOfCrashing() throws {
  let temp = try TemporaryStore()
  let valid = """
    {"images": [{"id": 1, "file_name": "a\\u00e9", "width": 10, "height": 10}],
     "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1.5, 1, 2e0, 2],
       "segmentation": {"counts": [1, 2, 3], "size": [10, 10]}}],
     "categories": [{"id": 1, "name": "c"}]}
    """
  #expect(try strictError(valid, in: temp) == nil)
  // Every truncation of a valid file is an error (none is itself valid JSON).
  let bytes = Array(valid.utf8)
  for cut in 0..<(bytes.count - 1) {
    let text = String(decoding: bytes[0..<cut], as: UTF8.self)
    let error = try strictError(text, in: temp)
    #expect(error?.code == .malformedInput, "cut at \(cut)")
  }
  var rng = SplitMix64(state: 7)
  for n in 0..<200 {
    let garbage = (0..<Int(rng.next() % 400)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let url = temp.directory.appendingPathComponent("garbage\(n).json")
    try Data(garbage).write(to: url)
    #expect(throws: StoreError.self) {
      _ = try COCOImporter(path: url.path).importDataset(into: temp.opened, named: "g")
    }
  }
  let hostile = [
    String(repeating: "[", count: 200_000),
    "{\"images\": " + String(repeating: "{\"a\":", count: 100_000) + "1"
      + String(repeating: "}", count: 100_000) + "}",
    "{\"images\": [{\"id\": 1" + String(repeating: "0", count: 5000)
      + ", \"file_name\": \"a\", \"width\": 1e400, \"height\": 1}]}",
    "{\"images\": {}}", "[]", "{}", "null", "\"images\"", "{\"images\": [1, 2]} trailing",
    "{\"images\": [{\"id\": 1, \"file_name\": \"a\", \"width\": 99999999999999999999999, \"height\": 1}]}",
    "\u{FEFF}{\"images\": []}",
  ]
  for text in hostile {
    #expect(try strictError(text, in: temp) != nil, "\(text.prefix(60))")
  }
  #expect(
    try temp.opened.datasets().map(\.name).isEmpty || temp.opened.datasets().map(\.name) == ["x"])
}

@Test func aMissingFileIsAnIOError() throws {
  let temp = try TemporaryStore()
  #expect {
    _ = try COCOImporter(path: "/nonexistent/file.json").importDataset(
      into: temp.opened, named: "x")
  } throws: { ($0 as? StoreError)?.code == .io }
}

@Test func aLargeGeneratedFileKeepsEveryRecord() throws {
  // 2000 images x 5 annotations, categories last, ids as strings every other image.
  var text = "{\"images\": ["
  for i in 0..<2000 {
    if i > 0 { text += "," }
    let id = i % 2 == 0 ? "\(i)" : "\"\(i)\""
    text += "{\"id\": \(id), \"file_name\": \"\(i).jpg\", \"width\": 640, \"height\": 480}"
  }
  text += "], \"annotations\": ["
  var rng = SplitMix64(state: 3)
  var areaSum = 0.0
  for j in 0..<10_000 {
    if j > 0 { text += "," }
    let w = Double(rng.next() % 3000) / 10 + 1
    areaSum += w * 10
    text +=
      "{\"id\": \(j), \"image_id\": \(j / 5), \"category_id\": \(j % 3 + 1), \"bbox\": [1, 2, \(w), 10], \"segmentation\": [[1, 2, 3, 4, 5, 6]]}"
  }
  text +=
    "], \"categories\": [{\"id\": 1, \"name\": \"a\"}, {\"id\": 2, \"name\": \"b\"}, {\"id\": 3, \"name\": \"c\"}]}"
  let temp = try TemporaryStore()
  let path = try writeTemp(text, in: temp)
  let report = try COCOImporter(path: path).importDataset(into: temp.opened, named: "big")
  #expect(report.images == 2000 && report.annotations == 10_000)
  var stored = 0.0
  try temp.opened.forEachAnnotation(in: "big") { stored += $0.area! }
  #expect(abs(stored - areaSum) < 1e-6 * areaSum)
}
