import Foundation
import Testing

/// `detkit eval` end to end: import ground truth and results, evaluate, compare with what
/// pycocotools printed for the same input (fixtures/golden/eval.json, tools/golden_eval.py).
@Suite struct EvalCommandTests {
  /// The golden file's "handmade_positive" input and its runs.
  struct Golden {
    var gt: [[Double]]
    var dt: [[Double]]
    var images: [Int]
    var categories: [Int]
    var runs: [String: [String: Any]]
    var datasets: [String: [String: Any]]

    init() throws {
      let url = StoreFixtures.packageRoot.appendingPathComponent("fixtures/golden/eval.json")
      let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
      let input = (root["inputs"] as! [String: Any])["handmade_positive"] as! [String: Any]
      gt = (input["gt"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
      dt = (input["dt"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
      images = (input["images"] as! [NSNumber]).map(\.intValue)
      categories = (input["categories"] as! [NSNumber]).map(\.intValue)
      var runs: [String: [String: Any]] = [:]
      for run in root["runs"] as! [[String: Any]]
      where run["input"] as? String == "handmade_positive" {
        runs[run["name"] as! String] = run
      }
      self.runs = runs
      var datasets: [String: [String: Any]] = [:]
      for run in root["datasets"] as! [[String: Any]] { datasets[run["name"] as! String] = run }
      self.datasets = datasets
    }

    /// Writes the COCO instances and results files and imports them as dataset `h`.
    func importInto(_ dir: URL) throws -> String {
      let instances: [String: Any] = [
        "images": images.map {
          ["id": $0, "width": 1000, "height": 1000, "file_name": "\($0).jpg"]
        },
        "categories": categories.map { ["id": $0, "name": "c\($0)"] },
        "annotations": gt.map { g -> [String: Any] in
          [
            "id": Int(g[0]), "image_id": Int(g[1]), "category_id": Int(g[2]),
            "bbox": Array(g[3..<7]), "area": g[7], "iscrowd": Int(g[8]),
          ]
        },
      ]
      let results: [[String: Any]] = dt.map {
        [
          "image_id": Int($0[0]), "category_id": Int($0[1]), "bbox": Array($0[2..<6]),
          "score": $0[6],
        ]
      }
      let gtURL = dir.appendingPathComponent("gt.json")
      let dtURL = dir.appendingPathComponent("dt.json")
      try JSONSerialization.data(withJSONObject: instances).write(to: gtURL)
      try JSONSerialization.data(withJSONObject: results).write(to: dtURL)
      let db = dir.appendingPathComponent("store.sqlite").path
      let gtImport = try CLI.run(["import", "coco", gtURL.path, "--db", db, "--name", "h"])
      #expect(gtImport.status == 0, "\(gtImport.stderr)")
      let dtImport = try CLI.run(["import", "coco-results", dtURL.path, "--db", db, "--name", "h"])
      #expect(dtImport.status == 0, "\(dtImport.stderr)")
      return db
    }
  }

  private func stats(_ json: String) throws -> [Double] {
    let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    return (object["stats"] as! [NSNumber]).map(\.doubleValue)
  }

  private func expectStats(_ ours: [Double], _ theirs: Any?, _ label: String) {
    let theirs = (theirs as! [NSNumber]).map(\.doubleValue)
    #expect(ours.count == 12)
    for (i, (a, b)) in zip(ours, theirs).enumerated() {
      #expect(abs(a - b) <= 1e-12, "\(label) stats[\(i)]: detkit \(a) vs pycocotools \(b)")
    }
  }

  @Test func summaryTextAndJSONMatchPycocotools() throws {
    let dir = try StoreFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let golden = try Golden()
    let db = try golden.importInto(dir)

    let text = try CLI.run(["eval", "--db", db, "--name", "h"])
    #expect(text.status == 0, "\(text.stderr)")
    let run = try #require(golden.runs["default"])
    #expect(text.stdout == run["summary"] as? String)
    #expect(text.stdout.split(separator: "\n").count == 12)

    let json = try CLI.run(["eval", "--db", db, "--name", "h", "--json"])
    #expect(json.status == 0)
    expectStats(try stats(json.stdout), run["stats"], "default")
    let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
    let perCategory = try #require(object["per_category"] as? [[String: Any]])
    #expect(perCategory.map { ($0["id"] as! NSNumber).intValue } == [1, 2, 3, 5, 7])
    // Category 5 has neither ground truth nor detections, 7 only detections: -1.
    #expect(perCategory.map { ($0["ap"] as! NSNumber).doubleValue }.suffix(2) == [-1, -1])
  }

  @Test func maxDetsSubsetsAndSummaryConventions() throws {
    let dir = try StoreFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let golden = try Golden()
    let db = try golden.importInto(dir)
    let wide = try #require(golden.runs["maxdets-1-10-300"])

    // pycocotools' convention: its own text, first line -1 at maxDets=100.
    let pycoco = try CLI.run([
      "eval", "--db", db, "--name", "h", "--max-dets", "1,10,300", "--summary", "pycocotools",
    ])
    #expect(pycoco.status == 0)
    #expect(pycoco.stdout == wide["summary"] as? String)
    #expect(pycoco.stderr.contains("-1"))

    // The chosen convention: the largest maxDets.
    let chosen = try CLI.run([
      "eval", "--db", db, "--name", "h", "--max-dets", "300,10,1", "--json",
    ])
    #expect(chosen.status == 0)
    expectStats(try stats(chosen.stdout), wide["stats_chosen"], "maxdets-1-10-300 chosen")

    let subsets = try CLI.run([
      "eval", "--db", db, "--name", "h", "--images", "20,10", "--categories", "2,1", "--json",
    ])
    #expect(subsets.status == 0, "\(subsets.stderr)")
    expectStats(try stats(subsets.stdout), golden.runs["subsets"]?["stats"], "subsets")
  }

  @Test func usageAndRuntimeErrors() throws {
    let dir = try StoreFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let db = try Golden().importInto(dir)
    for arguments in [
      ["--max-dets", "0"], ["--max-dets", "a"], ["--iou-thresholds", "0.5:x:0.05"],
      ["--area-ranges", "all=5:1"], ["--sets", "fast"], ["--summary", "other"],
      ["--categories", "4"], ["--images", "12,99"],
    ] {
      let result = try CLI.run(["eval", "--db", db, "--name", "h"] + arguments)
      #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
      #expect(!result.stderr.isEmpty)
    }
    let missing = try CLI.run(["eval", "--db", db, "--name", "nope"])
    #expect(missing.status == 1)
    #expect(missing.stderr.contains("nope"))
    let help = try CLI.run(["eval", "--help"])
    #expect(help.status == 0 && help.stdout.contains("Example"))
  }

  /// The official fake results on 100 val2014 images, through the store, print exactly what
  /// pycocotools prints for them.
  @Test(
    .enabled(
      if: FileManager.default.fileExists(
        atPath: StoreFixtures.packageRoot.appendingPathComponent(
          "../shared/datasets/coco_val2014_100"
        ).path),
      "../shared/datasets/coco_val2014_100 is absent"))
  func cocoVal2014FakeResults() throws {
    let dir = try StoreFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let folder = StoreFixtures.packageRoot.appendingPathComponent(
      "../shared/datasets/coco_val2014_100")
    let db = dir.appendingPathComponent("store.sqlite").path
    let gt = folder.appendingPathComponent("instances_val2014_100.json").path
    let dt = folder.appendingPathComponent("instances_val2014_fakebbox100_results.json").path
    #expect(try CLI.run(["import", "coco", gt, "--db", db, "--name", "v"]).status == 0)
    #expect(try CLI.run(["import", "coco-results", dt, "--db", db, "--name", "v"]).status == 0)
    let result = try CLI.run(["eval", "--db", db, "--name", "v"])
    #expect(result.status == 0)
    let golden = try #require(try Golden().datasets["coco_val2014_100"])
    #expect(result.stdout == golden["summary"] as? String)
  }
}
