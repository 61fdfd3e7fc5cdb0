import Foundation
import Testing

@Test func exportYOLOWritesLabelsAndDataYAML() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  try f.writeYOLO()
  let db = f.path("s.sqlite")
  #expect(try CLI.run(["import", "yolo", f.path("yolo"), "--db", db, "--name", "y"]).status == 0)
  let result = try CLI.run(["export", "yolo", "--db", db, "--name", "y", "--output", f.path("out")])
  #expect(result.status == 0, "\(result.stderr)")
  #expect(
    try String(contentsOfFile: f.path("out/labels/a.txt"), encoding: .utf8)
      == "0 0.5 0.5 0.2 0.4\n1 0.25 0.25 0.5 0.5\n")
  #expect(try String(contentsOfFile: f.path("out/labels/b.txt"), encoding: .utf8) == "")
  let yaml = try String(contentsOfFile: f.path("out/data.yaml"), encoding: .utf8)
  #expect(yaml.contains("nc: 2\nnames:\n  0: 'cat'\n  1: 'dog'\n"))
  let help = try CLI.run(["export", "yolo", "--help"])
  #expect(help.status == 0 && help.stdout.contains("Example:"))
}
