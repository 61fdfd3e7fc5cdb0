import Foundation
import Testing

/// `detkit layout` states the shapes the frameworks' own code produced for the golden
/// batches (fixtures/golden/batches/FRAMEWORK.json: canvas, level grids of the real
/// backbone's feature maps or anchor generator, N).
@Test(arguments: ["torchvision", "detectron2", "mmdetection"])
func layoutMatchesTheFrameworksBatchShapes(framework: String) throws {
  let (db, _) = try BatchFixture.store()
  let expected = try BatchFixture.expected(framework)
  // The last golden batch of each framework uses the framework's own resize (no image_sizes).
  let last = try #require(expected.last)
  let r = try CLI.run([
    "layout", "--db", db, "--name", "b", "--framework", framework, "--batch", "31, 32", "--json",
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let report = try #require(
    try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
  let batch = try #require((report["batches"] as? [[String: Any]])?.first)
  #expect(batch["canvas"] as? [Int] == last["canvas"] as? [Int])
  #expect(batch["anchors"] as? Int == last["anchors"] as? Int)
  #expect(batch["image_sizes"] as? [[Int]] == last["image_sizes"] as? [[Int]])
  let levels = try #require(batch["levels"] as? [[String: Any]])
  #expect(levels.map { $0["shape"] as? [Int] ?? [] } == last["levels"] as? [[Int]])
  #expect(batch["anchors_per_cell"] as? Int == 9)
  let labels = try #require(report["label_map"] as? [[String: Any]])
  #expect(labels.map { $0["category_id"] as? Int } == [1, 5, 9])
  #expect(labels.map { $0["name"] as? String } == ["cat", "dog", "bird"])
  #expect(labels.map { $0["index"] as? Int } == [0, 1, 2])
}

@Test func layoutBatchSizeFollowsTheSubset() throws {
  let (db, dir) = try BatchFixture.store()
  let subset = dir.appendingPathComponent("subset.txt")
  // Ids and file names mixed; a comment and a blank line are skipped.
  try Data("# two images\n13\n\n11.jpg\n21\n".utf8).write(to: subset)
  let r = try CLI.run([
    "layout", "--db", db, "--name", "b", "--batch-size", "2", "--subset", subset.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  // Import order is 32, 11, 21, 13, ...: the subset keeps 11, 21, 13.
  #expect(r.stdout.contains("batch 0: images 11, 21 "), "\(r.stdout)")
  #expect(r.stdout.contains("batch 1: images 13 "), "\(r.stdout)")
  #expect(!r.stdout.contains("batch 2"))
  try Data("11\nnope.jpg\n".utf8).write(to: subset)
  let bad = try CLI.run([
    "layout", "--db", db, "--name", "b", "--batch-size", "2", "--subset", subset.path,
  ])
  #expect(bad.status == 1)
  #expect(
    bad.stderr.contains(
      "\(subset.path):2: \"nope.jpg\" is neither an image id nor a file name of dataset b"),
    "\(bad.stderr)")
}

/// `targets` writes the label map into the safetensors metadata; `--subset` limits the
/// images written.
@Test func targetsMetadataHoldsTheLabelMap() throws {
  let (db, dir) = try BatchFixture.store()
  let subset = dir.appendingPathComponent("subset.txt")
  try Data("11\n12\n".utf8).write(to: subset)
  let out = dir.appendingPathComponent("t.safetensors")
  let r = try CLI.run([
    "targets", "--db", db, "--name", "b", "--preset", "retinanet", "--subset", subset.path,
    "--output", out.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let bytes = try Data(contentsOf: out)
  let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
  let header = try #require(
    try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + length))) as? [String: Any])
  let metadata = try #require(header["__metadata__"] as? [String: String])
  let text = try #require(metadata["label_map"])
  let map = try #require(
    try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
  #expect(map.count == 3)
  #expect(map[1]["index"] as? Int == 1 && map[1]["category_id"] as? Int == 5)
  #expect(map[1]["name"] as? String == "dog")
  #expect(
    Set(header.keys.filter { $0 != "__metadata__" }.map { $0.split(separator: "/")[0] }) == [
      "11", "12",
    ])
}

/// `coverage` and `draw` honour `--subset` too.
@Test func coverageAndDrawFollowTheSubset() throws {
  let (db, dir) = try BatchFixture.store()
  let subset = dir.appendingPathComponent("subset.txt")
  try Data("11\n12.jpg\n".utf8).write(to: subset)
  let coverage = try CLI.run([
    "coverage", "--db", db, "--name", "b", "--preset", "retinanet", "--subset", subset.path,
  ])
  #expect(coverage.status == 0, "\(coverage.stderr)")
  // Images 11 and 12 hold 3 + 2 non-crowd boxes.
  #expect(coverage.stdout.contains("coverage of b: 2 images, 5 boxes"), "\(coverage.stdout)")
  let draw = try CLI.run([
    "draw", "--db", db, "--name", "b", "--preset", "retinanet", "--image", "13", "--subset",
    subset.path, "--output", "-",
  ])
  #expect(draw.status == 1)
  #expect(draw.stderr.contains("image 13 is not in the subset"), "\(draw.stderr)")
}

/// `layout --anchor-config`: the printed RetinaNet preset in the framework's arithmetic
/// gives the framework's own layout; a file with 2 types per level gives A = 2 and N
/// accordingly (the shapes of the grids do not change).
@Test func layoutTakesAnAnchorConfiguration() throws {
  let (db, dir) = try BatchFixture.store()
  func layout(_ extra: [String]) throws -> [String: Any] {
    let r = try CLI.run(
      [
        "layout", "--db", db, "--name", "b", "--framework", "detectron2", "--batch", "31,32",
        "--json",
      ]
        + extra)
    #expect(r.status == 0, "\(r.stderr)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    return try #require((report["batches"] as? [[String: Any]])?.first)
  }
  let printed = try CLI.run([
    "anchors", "--preset", "retinanet", "--compat", "detectron2", "--print-config",
  ])
  #expect(printed.status == 0, "\(printed.stderr)")
  let preset = dir.appendingPathComponent("retinanet.json")
  try Data(printed.stdout.utf8).write(to: preset)
  let framework = try layout([])
  let configured = try layout(["--anchor-config", preset.path])
  #expect(configured["anchors"] as? Int == framework["anchors"] as? Int)
  #expect(configured["canvas"] as? [Int] == framework["canvas"] as? [Int])

  // Two of the three ratios at one size per level: 2 anchors per cell.
  var document = try #require(
    try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? [String: Any])
  var levels = try #require(document["levels"] as? [[String: Any]])
  for i in levels.indices {
    let sizes = try #require(levels[i]["sizes"] as? [Double])
    levels[i]["sizes"] = [sizes[0]]
    levels[i]["aspectRatios"] = [0.5, 2.0]
  }
  document["levels"] = levels
  let small = dir.appendingPathComponent("two.json")
  try JSONSerialization.data(withJSONObject: document).write(to: small)
  let two = try layout(["--anchor-config", small.path])
  #expect(two["anchors_per_cell"] as? Int == 2)
  let nine = try #require(framework["anchors"] as? Int)
  #expect(two["anchors"] as? Int == nine / 9 * 2)
}
