import Foundation
import Testing

@Test func detectionSetsImportExportAndList() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  let db = f.path("s.sqlite")
  let formats = StoreFixtures.packageRoot.appendingPathComponent("fixtures/formats")
  let instances = formats.appendingPathComponent("coco_kept_members.json").path
  let results = formats.appendingPathComponent("coco_kept_members_results.json").path
  #expect(try CLI.run(["import", "coco", instances, "--db", db, "--name", "d"]).status == 0)
  for set in ["default", "b"] {
    var arguments = ["import", "coco-results", results, "--db", db, "--name", "d"]
    if set != "default" { arguments += ["--set", set] }
    let imported = try CLI.run(arguments)
    #expect(imported.status == 0, "\(imported.stderr)")
    #expect(
      imported.stderr.contains("imported 3 detections into \"d\", detection set \"\(set)\""),
      "\(imported.stderr)")
  }
  let listed = try CLI.run(["datasets", "--db", db])
  #expect(listed.stdout.contains("detection sets of d: b (3), default (3)"), "\(listed.stdout)")
  let exported = try CLI.run([
    "export", "coco-results", "--db", db, "--name", "d", "--set", "b", "--output", "-",
  ])
  #expect(exported.status == 0, "\(exported.stderr)")
  let back = try JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [[String: Any]]
  #expect(back?.count == 3)
  #expect(back?.first?["image_id"] as? String == "2299")
  #expect(back?.first?["category_name"] as? String == "person")
  let missing = try CLI.run([
    "export", "coco-results", "--db", db, "--name", "d", "--set", "zz", "--output", "-",
  ])
  #expect(missing.status == 1 && missing.stderr.contains("it has b, default"), "\(missing.stderr)")
}

/// `eval` reads one named set: `--set` chooses it, may be left out when the dataset has one
/// set, and is required (the error lists the sets) when it has several.
@Test func evalReadsTheNamedDetectionSet() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  let db = f.path("s.sqlite")
  try f.write(
    #"""
    {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
     "categories": [{"id": 1, "name": "a"}],
     "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 40, 40],
                      "area": 1600, "iscrowd": 0}]}
    """#, "gt.json")
  // "good" finds the box exactly (AP 1); "bad" misses it (AP 0).
  try f.write(
    #"[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 40, 40], "score": 0.9}]"#, "good.json")
  try f.write(
    #"[{"image_id": 1, "category_id": 1, "bbox": [60, 60, 40, 40], "score": 0.9}]"#, "bad.json")
  #expect(
    try CLI.run(["import", "coco", f.path("gt.json"), "--db", db, "--name", "d"]).status == 0)
  let one = try CLI.run([
    "import", "coco-results", f.path("good.json"), "--db", db, "--name", "d", "--set", "good",
  ])
  #expect(one.status == 0, "\(one.stderr)")

  /// The set eval read and its AP@[.5:.95] rounded to 6 places (pycocotools' mean of
  /// 101 precisions of 1 is 0.9999999999999998 in doubles).
  func ap(_ extra: [String]) throws -> (set: String, ap: Double)? {
    let run = try CLI.run(["eval", "--db", db, "--name", "d", "--json"] + extra)
    guard run.status == 0 else { return nil }
    let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
    guard let set = object?["detection_set"] as? String,
      let first = (object?["stats"] as? [Double])?.first
    else { return nil }
    return (set, (first * 1e6).rounded() / 1e6)
  }
  // One set: --set may be left out.
  #expect(try ap([]) ?? ("", -1) == ("good", 1))

  let two = try CLI.run([
    "import", "coco-results", f.path("bad.json"), "--db", db, "--name", "d", "--set", "bad",
  ])
  #expect(two.status == 0, "\(two.stderr)")
  #expect(try ap(["--set", "good"]) ?? ("", -1) == ("good", 1))
  #expect(try ap(["--set", "bad"]) ?? ("", -1) == ("bad", 0))
  let ambiguous = try CLI.run(["eval", "--db", db, "--name", "d"])
  #expect(ambiguous.status == 1)
  #expect(ambiguous.stderr.contains("2 detection sets (bad, good)"), "\(ambiguous.stderr)")
  #expect(ambiguous.stderr.contains("--set"))
  let unknown = try CLI.run(["eval", "--db", db, "--name", "d", "--set", "zz"])
  #expect(unknown.status == 1 && unknown.stderr.contains("it has bad, good"), "\(unknown.stderr)")
}
