import Foundation
import Testing

@Test func importYOLOWarnsAboutUnpairedFiles() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  try f.writeYOLO()
  let result = try CLI.run([
    "import", "yolo", f.path("yolo"), "--db", f.path("s.sqlite"), "--name", "y",
  ])
  #expect(result.status == 0, "\(result.stderr)")
  #expect(result.stderr.contains("imported \"y\": 2 categories, 2 images, 2 annotations"))
  #expect(result.stderr.contains("warning: 1 label file(s) without an image, not imported: c.txt"))
  #expect(
    result.stderr.contains(
      "warning: 1 image(s) without a label file, imported without objects: b.png"))
}

@Test func importYOLOWithoutNamesFailsWithAHint() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  try f.writeYOLO()
  try FileManager.default.removeItem(atPath: f.path("yolo/classes.txt"))
  let result = try CLI.run([
    "import", "yolo", f.path("yolo"), "--db", f.path("s.sqlite"), "--name", "y",
  ])
  #expect(result.status == 1)
  #expect(result.stderr.contains("no class names") && result.stderr.contains("names file"))
  try f.write("names: [cat, dog]\n", "elsewhere/data.yaml")
  let named = try CLI.run([
    "import", "yolo", f.path("yolo"), "--db", f.path("s.sqlite"), "--name", "y", "--names",
    f.path("elsewhere/data.yaml"),
  ])
  #expect(named.status == 0, "\(named.stderr)")
  let help = try CLI.run(["import", "yolo", "--help"])
  #expect(help.status == 0 && help.stdout.contains("Example:"))
}

/// An image file linking out of the dataset (as `export yolo --copy-images link` writes) is
/// refused, exit 1, with a message naming `--follow-links`; with the flag it is read.
@Test func importYOLOFollowsLinkedImagesOnlyWhenAsked() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  try f.writeYOLO()
  try f.writePNG("shared/b.png")
  try FileManager.default.removeItem(atPath: f.path("yolo/b.png"))
  try FileManager.default.createSymbolicLink(
    atPath: f.path("yolo/b.png"), withDestinationPath: f.path("shared/b.png"))
  let args = ["import", "yolo", f.path("yolo"), "--db", f.path("s.sqlite"), "--name", "y"]
  let refused = try CLI.run(args)
  #expect(refused.status == 1)
  #expect(
    refused.stderr.contains("outside") && refused.stderr.contains("pass --follow-links"),
    "\(refused.stderr)")
  let followed = try CLI.run(args + ["--follow-links"])
  #expect(followed.status == 0, "\(followed.stderr)")
  #expect(followed.stderr.contains("imported \"y\": 2 categories, 2 images, 2 annotations"))
}
