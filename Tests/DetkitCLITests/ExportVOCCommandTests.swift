import Foundation
import Testing

@Test func exportVOCWritesOneXMLPerImage() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  try f.writeVOC()
  let db = f.path("s.sqlite")
  #expect(
    try CLI.run(["import", "voc", f.path("voc"), "--db", db, "--name", "v", "--boxes", "one-based"])
      .status == 0)
  let result = try CLI.run([
    "export", "voc", "--db", db, "--name", "v", "--output", f.path("out"), "--boxes", "one-based",
  ])
  #expect(result.status == 0, "\(result.stderr)")
  #expect(result.stderr.contains("2 XML files"))
  let a = try String(contentsOfFile: f.path("out/Annotations/a.xml"), encoding: .utf8)
  // Same convention both ways: the values come back as written.
  #expect(
    a.contains("<xmin>1</xmin>") && a.contains("<xmin>10.5</xmin>")
      && a.contains("<difficult>1</difficult>"))
  let missing = try CLI.run([
    "export", "voc", "--db", db, "--name", "nope", "--output", f.path("out2"),
  ])
  #expect(missing.status == 1 && missing.stderr.contains("no dataset named"))
  let help = try CLI.run(["export", "voc", "--help"])
  #expect(help.status == 0 && help.stdout.contains("Example:"))
}

@Test func exportVOCAndYOLOSayWhatTheyCannotHold() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  let db = f.path("s.sqlite")
  let source = StoreFixtures.packageRoot.appendingPathComponent(
    "fixtures/formats/coco_kept_members.json")
  #expect(try CLI.run(["import", "coco", source.path, "--db", db, "--name", "d"]).status == 0)
  let refused = try CLI.run(["export", "voc", "--db", db, "--name", "d", "--output", f.path("a")])
  #expect(refused.status == 1 && refused.stderr.contains("has 1 crowd box,"), "\(refused.stderr)")
  #expect(refused.stderr.contains("--crowd drop (leave them out) or --crowd as-difficult"))
  #expect(!FileManager.default.fileExists(atPath: f.path("a")))
  let dropped = try CLI.run([
    "export", "voc", "--db", db, "--name", "d", "--output", f.path("b"), "--crowd", "drop",
  ])
  #expect(dropped.status == 0, "\(dropped.stderr)")
  #expect(dropped.stderr.contains("not exported: 1 crowd boxes dropped"), "\(dropped.stderr)")
  #expect(dropped.stderr.contains("not exported: 4 top-level members (info, licenses"))
  #expect(dropped.stderr.contains("not exported: 1 categories without boxes"))
  let yolo = try CLI.run([
    "export", "yolo", "--db", db, "--name", "d", "--output", f.path("c"), "--crowd",
    "as-difficult",
  ])
  #expect(yolo.status == 64 && yolo.stderr.contains("YOLO has no difficult flag"))
  let yoloDropped = try CLI.run([
    "export", "yolo", "--db", db, "--name", "d", "--output", f.path("c"), "--crowd", "drop",
  ])
  #expect(yoloDropped.status == 0 && yoloDropped.stderr.contains("1 crowd boxes dropped"))
}
