import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Brute-force coverage of the demo under RetinaNet anchors: dense IoU, torchvision's
/// Matcher(0.5, 0.4, True), buckets by resized area.
@Test func coverageMatchesABruteForceCountOnTheDemo() throws {
  let (db, _) = try Demo.store()
  let r = try CLI.run(["coverage", "--db", db, "--name", "demo", "--preset", "retinanet", "--json"])
  #expect(r.status == 0, "\(r.stderr)")
  let json = try #require(
    try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
  let (images, annotations, _) = try Demo.load()
  var anchorCache: [String: [[Float]]] = [:]
  // Per bucket: boxes, >= 0.5, >= 0.7, IoU sum, positives, boxes without positives.
  var counts = [[Double]](repeating: [0, 0, 0, 0, 0, 0], count: 3)
  var positivesPerBox: [Int] = []
  for image in images {
    let gt = annotations.filter { $0.imageID == image.id && !$0.crowd }
    guard !gt.isEmpty else { continue }
    let size = Demo.resize(image)
    let key = "\(size.canvas.0)x\(size.canvas.1)"
    if anchorCache[key] == nil {
      anchorCache[key] = try Demo.anchors(
        preset: "retinanet", height: size.canvas.0, width: size.canvas.1
      ).boxes
    }
    let anchors = anchorCache[key]!
    let boxes = gt.map {
      [$0.box[0] * size.rx, $0.box[1] * size.ry, $0.box[2] * size.rx, $0.box[3] * size.ry]
    }
    let (matches, best) = Demo.match(boxes, anchors, high: 0.5, low: 0.4)
    for (j, b) in boxes.enumerated() {
      let area = Double(b[2] - b[0]) * Double(b[3] - b[1])
      let bucket = area < 32 * 32 ? 0 : area < 96 * 96 ? 1 : 2
      let positives = matches.filter { $0 == j }.count
      positivesPerBox.append(positives)
      counts[bucket][0] += 1
      counts[bucket][1] += best[j] >= 0.5 ? 1 : 0
      counts[bucket][2] += best[j] >= 0.7 ? 1 : 0
      counts[bucket][3] += Double(best[j])
      counts[bucket][4] += Double(positives)
      counts[bucket][5] += positives == 0 ? 1 : 0
    }
  }
  let buckets = try #require(json["buckets"] as? [[String: Any]])
  #expect(buckets.map { $0["name"] as? String } == ["small", "medium", "large"])
  for (k, row) in buckets.enumerated() {
    let c = counts[k]
    #expect(row["boxes"] as? Int == Int(c[0]), "bucket \(k)")
    guard c[0] > 0 else { continue }
    #expect(row["share_iou_0.5"] as? Double == c[1] / c[0], "bucket \(k)")
    #expect(row["share_iou_0.7"] as? Double == c[2] / c[0], "bucket \(k)")
    // Sums of the same Float values in the same order: only the final division rounds.
    #expect(abs((row["mean_best_iou"] as? Double ?? -1) - c[3] / c[0]) < 1e-12, "bucket \(k)")
    #expect(row["positives_mean"] as? Double == c[4] / c[0], "bucket \(k)")
    #expect(row["share_without_positive"] as? Double == c[5] / c[0], "bucket \(k)")
  }
  let all = try #require(json["all"] as? [String: Any])
  let sorted = positivesPerBox.sorted()
  let n = sorted.count
  let median = n % 2 == 1 ? Double(sorted[n / 2]) : Double(sorted[n / 2 - 1] + sorted[n / 2]) / 2
  #expect(all["boxes"] as? Int == 46)  // 47 annotations, one crowd
  #expect(all["positives_median"] as? Double == median)
  let shares = try #require(all["level_shares"] as? [String: Double])
  #expect(abs(shares.values.reduce(0, +) - 1) < 1e-12)
}

@Test func coverageTableAndSVG() throws {
  let (db, dir) = try Demo.store()
  let svg = dir.appendingPathComponent("c.svg")
  let r = try CLI.run([
    "coverage", "--db", db, "--name", "demo", "--preset", "fpn", "--svg", svg.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stdout.contains("small"))
  #expect(r.stdout.contains("P2"))
  #expect(r.stdout.contains("46 boxes"))
  #expect(try wellFormed(Data(contentsOf: svg)))
  // One group per non-empty bin: its count under it (the counts add up to the boxes) and
  // one bar per series.
  let text = try String(contentsOf: svg, encoding: .utf8)
  let counts = text.components(separatedBy: ">n=").dropFirst().compactMap {
    Int($0.prefix { $0.isNumber })
  }
  #expect(counts.reduce(0, +) == 46, "\(counts)")
  for color in ["#4e79a7", "#f28e2b", "#e15759"] {
    #expect(
      text.components(separatedBy: "height=\"14\" fill=\"\(color)\"").count == 2,
      "one legend entry of \(color)")
    #expect(
      text.components(separatedBy: "fill=\"\(color)\"").count - 2 == counts.count,
      "one bar of \(color) per group")
  }
}

/// Targets of image 100 equal `detkit match` + `detkit encode` over that image's boxes.
@Test func targetsOfOneImageEqualMatchAndEncode() throws {
  let (db, dir) = try Demo.store()
  let out = dir.appendingPathComponent("targets")
  let r = try CLI.run([
    "targets", "--db", db, "--name", "demo", "--preset", "retinanet", "--output", out.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let (images, annotations, categories) = try Demo.load()
  let image = try #require(images.first { $0.id == 100 })
  let size = Demo.resize(image)
  let gt = annotations.filter { $0.imageID == 100 && !$0.crowd }
  let boxes = gt.flatMap {
    [$0.box[0] * size.rx, $0.box[1] * size.ry, $0.box[2] * size.rx, $0.box[3] * size.ry]
  }
  let gtFile = dir.appendingPathComponent("gt.npy")
  try NPYBytes.float32(boxes, rows: gt.count).write(to: gtFile)
  let matchFile = dir.appendingPathComponent("m.npy")
  let m = try CLI.run([
    "match", "--preset", "retinanet", "--image", "\(size.canvas.0)x\(size.canvas.1)", "--compat",
    "torchvision",
    "--gt", gtFile.path, "--high", "0.5", "--low", "0.4", "--low-quality", "--policy",
    "torchvision",
    "--output", matchFile.path,
  ])
  #expect(m.status == 0, "\(m.stderr)")
  let expected = try #require(NPYBytes.readInt64(try Data(contentsOf: matchFile)))
  let matches = try #require(
    NPYBytes.readInt64(try Data(contentsOf: out.appendingPathComponent("100.matches.npy"))))
  let labels = try #require(
    NPYBytes.readInt64(try Data(contentsOf: out.appendingPathComponent("100.labels.npy"))))
  let targets = try #require(
    Demo.readFloat32(try Data(contentsOf: out.appendingPathComponent("100.box_targets.npy"))))
  #expect(matches == expected)
  #expect(labels.count == matches.count && targets.count == 4 * matches.count)
  let classOf = gt.map { Int64(categories.firstIndex(of: $0.categoryID)!) }
  #expect(labels == matches.map { $0 >= 0 ? classOf[Int($0)] : $0 })
  // Encode the positives with `detkit encode` and compare; zeros elsewhere.
  let anchors = try Demo.anchors(preset: "retinanet", height: size.canvas.0, width: size.canvas.1)
    .boxes
  let positives = matches.indices.filter { matches[$0] >= 0 }
  #expect(!positives.isEmpty)
  let a = dir.appendingPathComponent("a.npy")
  let b = dir.appendingPathComponent("b.npy")
  let d = dir.appendingPathComponent("d.npy")
  try NPYBytes.float32(positives.flatMap { anchors[$0] }, rows: positives.count).write(to: a)
  try NPYBytes.float32(
    positives.flatMap { Array(boxes[(4 * Int(matches[$0]))..<(4 * Int(matches[$0]) + 4)]) },
    rows: positives.count
  ).write(to: b)
  let e = try CLI.run(["encode", "--anchors", a.path, "--boxes", b.path, "--output", d.path])
  #expect(e.status == 0, "\(e.stderr)")
  let deltas = try #require(Demo.readFloat32(try Data(contentsOf: d)))
  #expect(
    positives.enumerated().allSatisfy { k, i in
      (0..<4).allSatisfy { targets[4 * i + $0] == deltas[4 * k + $0] }
    })
  #expect(
    matches.indices.filter { matches[$0] < 0 }.allSatisfy { i in
      (0..<4).allSatisfy { targets[4 * i + $0] == 0 }
    })
}

@Test func targetsSafetensorsHoldEveryImageAndCrowdIgnores() throws {
  let (db, dir) = try Demo.store()
  let plain = dir.appendingPathComponent("plain.safetensors")
  let crowd = dir.appendingPathComponent("crowd.safetensors")
  for (file, extra) in [(plain, [String]()), (crowd, ["--ignore-crowd"])] {
    let r = try CLI.run(
      ["targets", "--db", db, "--name", "demo", "--preset", "fpn", "--output", file.path] + extra)
    #expect(r.status == 0, "\(r.stderr)")
  }
  let data = try Data(contentsOf: plain)
  let headerLength = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
  let header = try #require(
    try JSONSerialization.jsonObject(with: data[8..<(8 + Int(headerLength))]) as? [String: Any])
  let (images, _, _) = try Demo.load()
  for image in images {
    for suffix in ["matches", "labels", "box_targets"] {
      #expect(header["\(image.id)/\(suffix)"] != nil, "\(image.id)/\(suffix)")
    }
  }
  let info = try #require(header["100/box_targets"] as? [String: Any])
  #expect(info["dtype"] as? String == "F32")
  // Image 100 holds the crowd box: ignoring it turns anchors to -2, so the files differ.
  #expect(try Data(contentsOf: crowd) != data)
}

@Test func drawWritesWellFormedSVG() throws {
  let (db, dir) = try Demo.store()
  let svg = dir.appendingPathComponent("d.svg")
  let r = try CLI.run([
    "draw", "--db", db, "--name", "demo", "--image", "100", "--preset", "retinanet",
    "--ignore-crowd",
    "--output", svg.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let data = try Data(contentsOf: svg)
  #expect(try wellFormed(data))
  let text = String(decoding: data, as: UTF8.self)
  #expect(text.contains(">car<") && text.contains(">dog<"))
  #expect(text.contains("positive P3") && text.contains("ignored anchors"))
  #expect(!text.contains("href=\"http"))
}

@Test(arguments: [
  (["coverage", "--db", "DB", "--name", "nope", "--preset", "fpn"], Int32(1), "nope"),
  (
    [
      "draw", "--db", "DB", "--name", "demo", "--image", "999", "--preset", "fpn", "--output",
      "x.svg",
    ], 1, "999"
  ),
  (["coverage", "--db", "DB", "--name", "demo", "--preset", "ssd"], 64, "ssd"),
  (["targets", "--db", "DB", "--name", "demo", "--preset", "fpn"], 64, "--output"),
  (
    [
      "coverage", "--db", "DB", "--name", "demo", "--preset", "fpn", "--high", "0.3", "--low",
      "0.5",
    ], 64, "--low"
  ),
])
func pipelineCommandsRejectBadInput(arguments: [String], status: Int32, mention: String) throws {
  let (db, dir) = try Demo.store()
  let args = arguments.map {
    $0 == "DB" ? db : $0 == "x.svg" ? dir.appendingPathComponent("x.svg").path : $0
  }
  let r = try CLI.run(args)
  #expect(r.status == status, "\(r.stderr)")
  #expect(r.stderr.contains(mention), "\(r.stderr)")
}

/// Whether `data` parses as XML (FoundationXML's XMLParser).
func wellFormed(_ data: Data) throws -> Bool {
  XMLParser(data: data).parse()
}

/// `detkit demo` runs end to end from an unrelated directory (the dataset is embedded), and
/// the embedded copy is the fixture: both export to the same COCO JSON.
@Test func demoRunsAndEmbedsTheFixture() throws {
  let dir = try NPYBytes.temporaryDirectory()
  let work = dir.appendingPathComponent("demo")
  let r = try CLI.run(["demo", "--dir", work.path])
  #expect(r.status == 0, "\(r.stderr)")
  for section in ["== detkit stats", "== detkit coverage", "\"summary\":true", "== detkit worst"] {
    #expect(r.stdout.contains(section), "\(section)")
  }
  let svgs = r.stdout.split(separator: "\n").filter { $0.hasSuffix(".svg") }.map(String.init)
  #expect(svgs.count == 3)
  for svg in svgs { #expect(try wellFormed(Data(contentsOf: URL(fileURLWithPath: svg))), "\(svg)") }
  let (fixtureDB, _) = try Demo.store()
  let a = try CLI.run([
    "export", "coco", "--db", work.appendingPathComponent("demo.sqlite").path, "--name", "demo",
    "--output", "-",
  ])
  let b = try CLI.run(["export", "coco", "--db", fixtureDB, "--name", "demo", "--output", "-"])
  #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
  #expect(!a.stdout.isEmpty && a.stdout == b.stdout)
}

@Test func benchPipelineRejectsBadInputBeforeWorking() throws {
  let dir = try NPYBytes.temporaryDirectory()
  let bogus = dir.appendingPathComponent("peer.json")
  try Data("{\"workload\":\"W-FPN\"}".utf8).write(to: bogus)
  let r = try CLI.run(["bench", "pipeline", "--images", "1", "--compare", bogus.path])
  #expect(r.status == 1)
  #expect(r.stderr.contains("not a tools/peer_pipeline.py report"), "\(r.stderr)")
  let usage = try CLI.run(["bench", "pipeline", "--images", "0"])
  #expect(usage.status == 64)
  #expect(usage.stderr.contains("--images"), "\(usage.stderr)")
}

/// `--difficult` on the pipeline commands and `stats --area`: on the VOC CLI fixture (a.jpg:
/// a difficult dog and a cat; b.jpg: a cat) coverage counts 3 boxes kept, 2 ignored or
/// dropped; VOC areas are the boxes', so stats warns of nothing.
@Test func difficultBoxesFollowTheOption() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  try f.writeVOC()
  let db = f.path("s.sqlite")
  #expect(try CLI.run(["import", "voc", f.path("voc"), "--db", db, "--name", "v"]).status == 0)
  func boxes(_ extra: [String]) throws -> Int? {
    let r = try CLI.run(
      [
        "coverage", "--db", db, "--name", "v", "--preset", "retinanet", "--resize", "none",
        "--json",
      ]
        + extra)
    guard r.status == 0 else { return nil }
    let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    return (json?["all"] as? [String: Any])?["boxes"] as? Int
  }
  #expect(try boxes([]) == 3)
  #expect(try boxes(["--difficult", "keep"]) == 3)
  #expect(try boxes(["--difficult", "ignore"]) == 2)
  #expect(try boxes(["--difficult", "drop"]) == 2)
  #expect(
    try CLI.run(["coverage", "--db", db, "--name", "v", "--preset", "fpn", "--difficult", "x"])
      .status == 64)
  let stats = try CLI.run(["stats", "--db", db, "--name", "v", "--area", "box"])
  #expect(stats.status == 0 && !stats.stderr.contains("warning"), "\(stats.stderr)")
  #expect(stats.stdout.contains("(box area)"))
}

/// Stored areas that exceed their boxes (the image size, as in VisDrone's files) are
/// counted in a warning; `--area box` sorts the size classes by the boxes.
@Test func statsWarnsWhenStoredAreasExceedTheBoxes() throws {
  let dir = try StoreFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let input = dir.appendingPathComponent("in.json")
  try Data(
    #"""
    {"images": [{"id": 1, "file_name": "a.jpg", "width": 1000, "height": 1000}],
     "categories": [{"id": 1, "name": "car"}],
     "annotations": [
      {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 1000000},
      {"id": 2, "image_id": 1, "category_id": 1, "bbox": [0, 0, 20, 20], "area": 1000000},
      {"id": 3, "image_id": 1, "category_id": 1, "bbox": [0, 0, 50, 50], "area": 2000}]}
    """#.utf8
  ).write(to: input)
  let db = dir.appendingPathComponent("s.sqlite").path
  #expect(try CLI.run(["import", "coco", input.path, "--db", db, "--name", "v"]).status == 0)
  let stored = try CLI.run(["stats", "--db", db, "--name", "v", "--json"])
  #expect(stored.stderr.contains("warning: 2 of 3 stored areas exceed"), "\(stored.stderr)")
  let json = try JSONSerialization.jsonObject(with: Data(stored.stdout.utf8)) as? [String: Any]
  #expect(json?["area"] as? [String: Int] == ["small": 0, "medium": 1, "large": 2])
  #expect(
    json?["stored_areas_above_box"] as? Int == 2 && json?["area_source"] as? String == "stored")
  let box = try CLI.run(["stats", "--db", db, "--name", "v", "--json", "--area", "box"])
  let byBox = try JSONSerialization.jsonObject(with: Data(box.stdout.utf8)) as? [String: Any]
  #expect(byBox?["area"] as? [String: Int] == ["small": 2, "medium": 1, "large": 0])
}

/// `coverage --area`: by default (and with `--area stored`) the size classes read the stored
/// areas scaled by the resize (20 x 20 px boxes on a 640 x 480 image, resized by 800 / 480:
/// 400 px² → 1,111 px², medium; 307,200, the image size as VisDrone stores it → large) and
/// warn about the area larger than its box; `--area box` reads the resized box (1,111 px²,
/// medium, both boxes) without a warning.
@Test func coverageSizeClassesReadTheStoredAreaOrTheBox() throws {
  let dir = try NPYBytes.temporaryDirectory()
  let source = dir.appendingPathComponent("area.json")
  try Data(
    #"""
    {"images": [{"id": 1, "width": 640, "height": 480, "file_name": "a.jpg"}],
     "categories": [{"id": 1, "name": "c"}],
     "annotations": [
       {"id": 1, "image_id": 1, "category_id": 1, "bbox": [100, 100, 20, 20], "area": 307200,
        "iscrowd": 0},
       {"id": 2, "image_id": 1, "category_id": 1, "bbox": [300, 200, 20, 20], "area": 400,
        "iscrowd": 0}]}
    """#.utf8
  ).write(to: source)
  let db = dir.appendingPathComponent("a.sqlite").path
  #expect(try CLI.run(["import", "coco", source.path, "--db", db, "--name", "a"]).status == 0)
  func buckets(_ extra: [String]) throws -> (counts: [String: Int], stderr: String) {
    let r = try CLI.run(
      ["coverage", "--db", db, "--name", "a", "--preset", "retinanet", "--json"] + extra)
    #expect(r.status == 0, "\(r.stderr)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let rows = try #require(json["buckets"] as? [[String: Any]])
    var counts: [String: Int] = [:]
    for row in rows { counts[row["name"] as? String ?? ""] = row["boxes"] as? Int }
    return (counts, r.stderr)
  }
  let box = try buckets(["--area", "box"])
  #expect(box.counts == ["small": 0, "medium": 2, "large": 0], "\(box.counts)")
  #expect(!box.stderr.contains("warning"))
  for stored in [try buckets([]), try buckets(["--area", "stored"])] {
    #expect(stored.counts == ["small": 0, "medium": 1, "large": 1], "\(stored.counts)")
    #expect(stored.stderr.contains("warning: 1 of 2 stored areas exceed"), "\(stored.stderr)")
  }
}
