import Foundation
import Testing

/// `--skipped FILE` writes every skipped record as a JSON line and the summary shows the
/// first few; `--replace` refuses an import that kept too little unless `--force`.
@Test func skippedRecordsAreListedAndThinReplacementsRefused() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  let db = f.path("s.sqlite")
  // Seven annotations on unknown images (skipped) and one good one.
  let annotations = (1...8).map {
    #"{"id": \#($0), "image_id": \#($0 == 1 ? 1 : 100 + $0), "category_id": 1, "bbox": [0, 0, 4, 4]}"#
  }
  try f.write(
    #"""
    {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
     "categories": [{"id": 1, "name": "a"}],
     "annotations": [\#(annotations.joined(separator: ",\n"))]}
    """#, "gt.json")
  let imported = try CLI.run([
    "import", "coco", f.path("gt.json"), "--db", db, "--name", "d", "--policy", "skip",
    "--skipped", f.path("skipped.jsonl"),
  ])
  #expect(imported.status == 0, "\(imported.stderr)")
  let lines = try String(contentsOfFile: f.path("skipped.jsonl"), encoding: .utf8)
    .split(separator: "\n")
  #expect(lines.count == 7)
  let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
  #expect(first?["id"] as? Int == 2 && first?["reason"] as? String == "unknown-image")
  #expect(first?["path"] as? String == "annotations[1]")
  #expect((first?["file"] as? String)?.hasSuffix("gt.json") == true)
  let shown = imported.stderr.split(separator: "\n").filter { $0.hasPrefix("  skipped ") }
  #expect(shown.count == 5, "\(imported.stderr)")
  #expect(imported.stderr.contains("... and 2 more (all 7 in"), "\(imported.stderr)")

  // Replacing a dataset of 3 records with an import that kept 3 of 10: refused, then forced.
  try f.write(
    #"""
    {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
     "categories": [{"id": 1, "name": "a"}],
     "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 4]}]}
    """#, "small.json")
  #expect(
    try CLI.run(["import", "coco", f.path("small.json"), "--db", db, "--name", "e"]).status == 0)
  let replace = [
    "import", "coco", f.path("gt.json"), "--db", db, "--name", "e", "--replace", "--policy",
    "skip",
  ]
  let refused = try CLI.run(replace)
  #expect(refused.status == 1)
  #expect(refused.stderr.contains("kept 3 of the 10 records"), "\(refused.stderr)")
  #expect(refused.stderr.contains("--force"))
  #expect(refused.stderr.contains("  skipped "), "the skipped records are shown before the error")
  let lower = try CLI.run(replace + ["--min-kept", "0.3"])
  #expect(lower.status == 0, "\(lower.stderr)")
  #expect(try CLI.run(replace + ["--force"]).status == 0)
  #expect(try CLI.run(replace + ["--min-kept", "2"]).status == 64)
}
