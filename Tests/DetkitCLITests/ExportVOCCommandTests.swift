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
