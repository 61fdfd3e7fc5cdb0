import Foundation
import Testing

@Test func importVOCReportsCountsAndRefusesEntityBombs() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  try f.writeVOC()
  let db = f.path("store.sqlite")
  let ok = try CLI.run([
    "import", "voc", f.path("voc"), "--db", db, "--name", "v", "--boxes", "one-based",
  ])
  #expect(ok.status == 0, "\(ok.stderr)")
  #expect(ok.stderr.contains("imported \"v\": 2 categories, 2 images, 3 annotations"))

  try f.write(
    """
    <?xml version="1.0"?>
    <!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <annotation><filename>&x;</filename></annotation>
    """, "voc/c.xml")
  let bomb = try CLI.run(["import", "voc", f.path("voc"), "--db", db, "--name", "w"])
  #expect(bomb.status == 1)
  #expect(bomb.stderr.contains("c.xml:2:1") && bomb.stderr.contains("internal subset"))
  let skipped = try CLI.run([
    "import", "voc", f.path("voc"), "--db", db, "--name", "w", "--policy", "skip",
  ])
  #expect(skipped.status == 0)
  #expect(skipped.stderr.contains("skipped 1: malformed 1"))
}

@Test func importVOCUsageErrorsExitWith64() throws {
  let bad = try CLI.run([
    "import", "voc", "x", "--db", "s.sqlite", "--name", "v", "--boxes", "zero-based",
  ])
  #expect(bad.status == 64)
  let help = try CLI.run(["import", "voc", "--help"])
  #expect(help.status == 0 && help.stdout.contains("Example:") && help.stdout.contains("--boxes"))
}
