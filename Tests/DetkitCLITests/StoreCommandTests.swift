import DetTestSupport
import Foundation
import Testing

/// A fresh directory for one test's store and files.
private func scratch() throws -> URL {
  let url = TestTemporaryRoot.url.appendingPathComponent(
    "detkit-cli-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

private let sample = """
  {"images": [{"id": "2299", "file_name": "a.jpg", "width": 500, "height": 300},
              {"id": 7, "file_name": "b.jpg", "width": 640, "height": 480}],
   "annotations": [{"id": 1, "image_id": 2299, "category_id": 1, "bbox": [10, 20, 30, 40], "area": 1200, "iscrowd": 0},
                   {"id": 2, "image_id": "2299", "category_id": 2, "bbox": [0, 0, 100, 100], "area": 10000, "iscrowd": 1,
                    "segmentation": {"counts": [1, 2], "size": [300, 500]}},
                   {"id": 3, "image_id": 7, "category_id": 1, "bbox": [600, 0, 100, 10]}],
   "categories": [{"id": 2, "name": "dog"}, {"id": 1, "name": "person", "supercategory": "human"}]}
  """

@Test func importStatsShowExportDatasetsEndToEnd() throws {
  let dir = try scratch()
  defer { try? FileManager.default.removeItem(at: dir) }
  let input = dir.appendingPathComponent("in.json")
  try Data(sample.utf8).write(to: input)
  let db = dir.appendingPathComponent("store.sqlite").path

  // Annotation 3 leaves its 640 px image by 60 px: strict fails with exit 1 and a location.
  let strict = try CLI.run(["import", "coco", input.path, "--db", db, "--name", "s"])
  #expect(strict.status == 1)
  #expect(strict.stderr.contains("outside-image") && strict.stderr.contains("annotations[2]"))

  let skip = try CLI.run([
    "import", "coco", input.path, "--db", db, "--name", "s", "--policy", "skip",
  ])
  #expect(skip.status == 0)
  #expect(skip.stderr.contains("2 images, 2 annotations"))
  #expect(skip.stderr.contains("skipped 1: outside-image 1"))

  let again = try CLI.run(["import", "coco", input.path, "--db", db, "--name", "s", "--clip"])
  #expect(again.status == 1 && again.stderr.contains("--replace"))
  let clip = try CLI.run([
    "import", "coco", input.path, "--db", db, "--name", "s", "--clip", "--replace",
  ])
  #expect(clip.status == 0 && clip.stderr.contains("clipped 1"))

  let stats = try CLI.run(["stats", "--db", db, "--name", "s", "--json"])
  #expect(stats.status == 0)
  let json = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as! [String: Any]
  #expect(json["images"] as? Int == 2)
  #expect(json["annotations"] as? Int == 3)
  #expect(json["categories"] as? Int == 2)
  #expect(json["crowd"] as? Int == 1)
  let area = json["area"] as! [String: Int]
  // Areas 1200 (medium), 10000 (large), and 100 x 10 = 1000 before clipping (small).
  #expect(area == ["small": 1, "medium": 1, "large": 1])

  let show = try CLI.run(["show", "--db", db, "--name", "s", "--image", "2299", "--json"])
  #expect(show.status == 0)
  let image = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as! [String: Any]
  #expect(image["id"] as? Int == 2299)
  #expect((image["annotations"] as! [Any]).count == 2)

  let datasets = try CLI.run(["datasets", "--db", db, "--json"])
  let list = try JSONSerialization.jsonObject(with: Data(datasets.stdout.utf8)) as! [[String: Any]]
  #expect(list.map { $0["name"] as? String } == ["s"])

  let out = dir.appendingPathComponent("out.json").path
  let export = try CLI.run(["export", "coco", "--db", db, "--name", "s", "--output", out])
  #expect(export.status == 0)
  #expect(export.stderr.contains("exported \"s\": "), "\(export.stderr)")
  #expect(export.stderr.contains(" 3 annotations to \(out)"), "\(export.stderr)")
  let exported =
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out)))
    as! [String: Any]
  let boxes = (exported["annotations"] as! [[String: Any]]).map { $0["bbox"] as! [Double] }
  #expect(boxes == [[10, 20, 30, 40], [0, 0, 100, 100], [600, 0, 40, 10]])

  let missing = try CLI.run(["show", "--db", db, "--name", "nope", "--image", "1"])
  #expect(missing.status == 1 && missing.stderr.contains("no dataset named"))
}

@Test func resultsImportAndUsageErrors() throws {
  let dir = try scratch()
  defer { try? FileManager.default.removeItem(at: dir) }
  let input = dir.appendingPathComponent("in.json")
  try Data(sample.utf8).write(to: input)
  let db = dir.appendingPathComponent("store.sqlite").path
  #expect(
    try CLI.run(["import", "coco", input.path, "--db", db, "--name", "s", "--clip"]).status == 0)
  let results = dir.appendingPathComponent("res.json")
  try Data(
    #"[{"image_id": 7, "category_id": 2, "bbox": [1, 2, 3, 4], "score": 0.5}, {"image_id": 7, "category_id": 2, "score": 0.4}]"#
      .utf8
  ).write(to: results)
  let strict = try CLI.run(["import", "coco-results", results.path, "--db", db, "--name", "s"])
  #expect(strict.status == 1 && strict.stderr.contains("missing-box"))
  let skip = try CLI.run([
    "import", "coco-results", results.path, "--db", db, "--name", "s", "--policy", "skip",
  ])
  #expect(skip.status == 0 && skip.stderr.contains("imported 1 detections"))
  let usage = try CLI.run([
    "import", "coco", input.path, "--db", db, "--name", "s", "--policy", "lenient",
  ])
  #expect(usage.status == 64)
  let empty = try CLI.run(["import", "coco", input.path, "--db", db, "--name", ""])
  #expect(empty.status == 64)
}

@Test(arguments: [
  ["import", "coco"], ["import", "coco-results"], ["export", "coco"], ["datasets"], ["stats"],
  ["show"], ["bench", "import"],
])
func storeCommandsHaveAnExampleInTheirHelp(command: [String]) throws {
  let result = try CLI.run(command + ["--help"])
  #expect(result.status == 0)
  #expect(result.stdout.contains("Example"))
}

/// `show --json` goes through the CLI's one JSON writer: members sorted by key, two-space
/// indentation, `"key" : value`, Double-typed fields (area, bbox) with a fraction even when
/// whole, integers as integers, and strings escaped with the exporters' rule (`"`, `\`, tab
/// by name, `/` and non-ASCII as they are).
@Test func showJSONPrintsTheOneWriterLayout() throws {
  let dir = try scratch()
  defer { try? FileManager.default.removeItem(at: dir) }
  let input = dir.appendingPathComponent("in.json")
  try Data(
    #"""
    {"images": [{"id": 5, "file_name": "x/\"q\"\\\té.jpg", "width": 500, "height": 300}],
     "annotations": [{"id": 1, "image_id": 5, "category_id": 1, "bbox": [10, 20.5, 30, 40]}],
     "categories": [{"id": 1, "name": "person"}]}
    """#.utf8
  ).write(to: input)
  let db = dir.appendingPathComponent("store.sqlite").path
  let imported = try CLI.run(["import", "coco", input.path, "--db", db, "--name", "s"])
  try #require(imported.status == 0, "\(imported.stderr)")
  let show = try CLI.run(["show", "--db", db, "--name", "s", "--image", "5", "--json"])
  #expect(show.status == 0)
  #expect(
    show.stdout == #"""
      {
        "annotations" : [
          {
            "area" : 1200.0,
            "bbox" : [
              10.0,
              20.5,
              30.0,
              40.0
            ],
            "category" : "person",
            "category_id" : 1,
            "id" : 1,
            "iscrowd" : 0
          }
        ],
        "detection_sets" : [],
        "file_name" : "x/\"q\"\\\té.jpg",
        "height" : 300,
        "id" : 5,
        "width" : 500
      }

      """#)
}
