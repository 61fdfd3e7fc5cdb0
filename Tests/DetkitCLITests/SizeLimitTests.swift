import Foundation
import Testing

/// Command-line sizes whose anchor grid exceeds 10^8 anchors: a usage error (64) naming the
/// size and the limit, before anything is allocated (they used to abort allocating 40 GB, or
/// trap on integer overflow for sides near Int.max).
@Test(arguments: ["100001x100001", "9223372036854775807x9223372036854775807"])
func hugeCommandLineSizesAreUsageErrors(size: String) throws {
  let directory = try StoreFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let gt = directory.appendingPathComponent("g.npy")
  try NPYBytes.float32([0, 0, 10, 10], rows: 1).write(to: gt)
  let runs: [[String]] = [
    ["match", "--preset", "fpn", "--image", size, "--gt", gt.path, "--stats"],
    [
      "match", "--preset", "retinanet", "--image", size, "--gt", gt.path, "--assigner", "atss",
      "--stats",
    ],
    ["anchors", "--preset", "fpn", "--image", size, "--format", "csv"],
  ]
  for arguments in runs {
    let r = try CLI.run(arguments)
    #expect(r.status == 64, "\(arguments): \(r.stderr)")
    #expect(r.stderr.contains(size) && r.stderr.contains("100000000"), "\(r.stderr)")
    #expect(r.stdout.isEmpty)
  }
}

/// A stored size whose canvas exceeds the limit (`--resize none` keeps the stored size):
/// every command that builds anchors from the store fails with status 1 naming the image
/// id, its file name and the limit. (The huge image comes first, so `loss` reaches it before
/// it looks for predictions.)
@Test func hugeStoredSizesFailNamingTheImage() throws {
  let directory = try StoreFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let json = """
    {"images":[{"id":77,"file_name":"huge.jpg","width":99999,"height":99999},{"id":1,"file_name":"ok.jpg","width":64,"height":64}],
     "categories":[{"id":1,"name":"cat"}],
     "annotations":[{"id":1,"image_id":77,"category_id":1,"bbox":[0,0,10,10],"area":100,"iscrowd":0}]}
    """
  let file = directory.appendingPathComponent("huge.json")
  try Data(json.utf8).write(to: file)
  let db = directory.appendingPathComponent("s.sqlite").path
  let imported = try CLI.run(["import", "coco", file.path, "--db", db, "--name", "d"])
  try #require(imported.status == 0, "\(imported.stderr)")
  let predictions = directory.appendingPathComponent("predictions")
  try FileManager.default.createDirectory(at: predictions, withIntermediateDirectories: true)
  let store = ["--db", db, "--name", "d", "--resize", "none"]
  let runs: [[String]] = [
    ["coverage", "--preset", "fpn"] + store,
    ["targets", "--preset", "retinanet", "--output", directory.appendingPathComponent("t").path]
      + store,
    ["draw", "--preset", "fpn", "--image", "77", "--output", "-"] + store,
    ["loss", "retinanet", "--predictions", predictions.path] + store,
    ["loss", "rpn", "--predictions", predictions.path] + store,
  ]
  for arguments in runs {
    let r = try CLI.run(arguments)
    #expect(r.status == 1, "\(arguments): \(r.stderr)")
    #expect(
      r.stderr.contains("image 77 (huge.jpg)") && r.stderr.contains("99999x99999")
        && r.stderr.contains("100000000"), "\(arguments): \(r.stderr)")
  }
}

/// `import coco` refuses image sides above 100,000 px: strict fails naming the file and
/// the record, skip imports the rest and reports the skipped image.
@Test func importRefusesImageSidesAbove100000Pixels() throws {
  let directory = try StoreFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let json = """
    {"images":[{"id":1,"file_name":"ok.jpg","width":64,"height":64},{"id":2,"file_name":"big.jpg","width":2000000,"height":2000000}],
     "categories":[{"id":1,"name":"cat"}],
     "annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,10,10],"area":100,"iscrowd":0}]}
    """
  let file = directory.appendingPathComponent("big.json")
  try Data(json.utf8).write(to: file)
  let db = directory.appendingPathComponent("s.sqlite").path
  let strict = try CLI.run(["import", "coco", file.path, "--db", db, "--name", "d"])
  #expect(strict.status == 1)
  #expect(
    strict.stderr.contains("big.json") && strict.stderr.contains("images[1]")
      && strict.stderr.contains("oversized-image") && strict.stderr.contains("big.jpg"),
    "\(strict.stderr)")
  let skip = try CLI.run([
    "import", "coco", file.path, "--db", db, "--name", "d", "--policy", "skip",
  ])
  #expect(skip.status == 0, "\(skip.stderr)")
  #expect(skip.stderr.contains("oversized-image 1"), "\(skip.stderr)")
  let stats = try CLI.run(["stats", "--db", db, "--name", "d", "--json"])
  let object = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
  #expect(object?["images"] as? Int == 1, "\(stats.stdout)")
}

/// VOC (`<size>`) and YOLO (the PNG header) share the rule: a 200,000 px wide image fails
/// the import under strict naming its file, and is skipped and reported under skip.
@Test func vocAndYOLOImportsRefuseImageSidesAbove100000Pixels() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  try f.writeVOC()
  try f.write(
    """
    <annotation><filename>wide.jpg</filename><size><width>200000</width><height>80</height></size>
    <object><name>cat</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>50</xmax><ymax>60</ymax></bndbox></object>
    </annotation>
    """, "voc/wide.xml")
  try f.writeYOLO()
  // A PNG header 200,000 (0x030D40) wide and 5 high.
  let png: [UInt8] =
    [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
    + Array("IHDR".utf8) + [0, 0x03, 0x0D, 0x40, 0, 0, 0, 5, 8, 2, 0, 0, 0, 0, 0, 0, 0]
  try Data(png).write(to: URL(fileURLWithPath: f.path("yolo/wide.png")))
  try f.write("0 0.5 0.5 0.2 0.4\n", "yolo/wide.txt")
  for (format, file) in [("voc", "wide.xml"), ("yolo", "wide")] {
    let db = f.path("\(format).sqlite")
    let strict = try CLI.run(["import", format, f.path(format), "--db", db, "--name", "d"])
    #expect(strict.status == 1, "\(format): \(strict.stderr)")
    #expect(
      strict.stderr.contains("oversized-image") && strict.stderr.contains(file)
        && strict.stderr.contains("200000"), "\(format): \(strict.stderr)")
    let skip = try CLI.run([
      "import", format, f.path(format), "--db", db, "--name", "d", "--policy", "skip",
    ])
    #expect(skip.status == 0, "\(format): \(skip.stderr)")
    #expect(skip.stderr.contains("oversized-image 1"), "\(format): \(skip.stderr)")
  }
}
