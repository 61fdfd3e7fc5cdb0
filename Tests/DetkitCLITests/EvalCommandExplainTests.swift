import Foundation
import Testing

@testable import DetStore

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// `detkit eval`'s explaining outputs (per-category table, per-image counts for `worst`,
/// precision-recall SVG, pycocotools' arrays) and its errors, against what pycocotools
/// computed for the same input (fixtures/golden/eval.json, "handmade_positive").
@Suite struct EvalCommandExplainTests {
  private typealias Golden = EvalCommandTests.Golden

  private func object(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  @Test func perCategoryTableFollowsTheSummarySortedByAP() throws {
    let dir = try StoreFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let golden = try Golden()
    let db = try golden.importInto(dir)
    let text = try CLI.run(["eval", "--db", db, "--name", "h", "--per-category"])
    #expect(text.status == 0, "\(text.stderr)")
    let summary = try #require(golden.runs["default"]?["summary"] as? String)
    #expect(text.stdout.hasPrefix(summary + "\n"))
    let rows = text.stdout.dropFirst(summary.count + 1).split(separator: "\n").dropFirst(2)
    #expect(rows.count == 5)
    let aps = rows.map { Double($0.split(separator: " ").reversed()[3])! }
    #expect(aps == aps.sorted(by: >))
    // 5 and 7 have no ground truth: last, -1.
    #expect(rows.suffix(2).map { $0.split(separator: " ")[1] } == ["5", "7"])
    #expect(aps.suffix(2) == [-1, -1])

    let json = try CLI.run(["eval", "--db", db, "--name", "h", "--json"])
    let ranked = try #require(try object(json.stdout)["per_category_by_ap"] as? [[String: Any]])
    let byID = try #require(try object(json.stdout)["per_category"] as? [[String: Any]])
    #expect(ranked.map { ($0["rank"] as! NSNumber).intValue } == [1, 2, 3, 4, 5])
    #expect(ranked.map { ($0["id"] as! NSNumber).intValue }.suffix(2) == [5, 7])
    // The same APs as the per-category list, sorted.
    let apByID = Dictionary(
      uniqueKeysWithValues: byID.map {
        (($0["id"] as! NSNumber).intValue, ($0["ap"] as! NSNumber).doubleValue)
      })
    for row in ranked {
      #expect(apByID[(row["id"] as! NSNumber).intValue] == (row["ap"] as! NSNumber).doubleValue)
    }
  }

  @Test func arraysArePycocotoolsOwnInItsLayout() throws {
    let dir = try StoreFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let golden = try Golden()
    let db = try golden.importInto(dir)
    let run = try #require(golden.runs["arrays"])
    let result = try CLI.run([
      "eval", "--db", db, "--name", "h", "--iou-thresholds", "0.5,0.75", "--json", "--arrays",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let arrays = try #require(try object(result.stdout)["arrays"] as? [String: Any])
    func flat(_ value: Any) -> [Double] {
      if let list = value as? [Any] { return list.flatMap(flat) }
      return [(value as! NSNumber).doubleValue]
    }
    func shape(_ value: Any) -> [Int] {
      guard let list = value as? [Any], let first = list.first else { return [] }
      return [list.count] + shape(first)
    }
    let precision = try #require(arrays["precision"])
    let theirs = try #require(run["precision_full"])
    #expect(shape(precision) == [2, 101, 5, 4, 3])
    #expect(shape(precision) == shape(theirs))
    #expect(flat(precision) == flat(theirs))
    let recall = try #require(arrays["recall"])
    #expect(shape(recall) == [2, 5, 4, 3])
    #expect(flat(recall) == flat(try #require(run["recall_full"])))
    #expect((arrays["category_ids"] as? [NSNumber])?.map(\.intValue) == [1, 2, 3, 5, 7])
    #expect((arrays["max_dets"] as? [NSNumber])?.map(\.intValue) == [1, 10, 100])

    let without = try CLI.run(["eval", "--db", db, "--name", "h", "--json"])
    #expect(try object(without.stdout)["arrays"] == nil)
    let textOnly = try CLI.run(["eval", "--db", db, "--name", "h", "--arrays"])
    #expect(textOnly.status == 64)
  }

  @Test func recordedCountsRankImagesInWorst() throws {
    let dir = try StoreFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let golden = try Golden()
    let db = try golden.importInto(dir)
    let recorded = try CLI.run(["eval", "--db", db, "--name", "h", "--record", "ev"])
    #expect(recorded.status == 0, "\(recorded.stderr)")
    #expect(recorded.stderr.contains("recorded per-image counts of 5 image(s) as run ev"))
    let worst = try CLI.run(["worst", "--db", db, "--run", "ev", "--json"])
    #expect(worst.status == 0, "\(worst.stderr)")
    let rows = try worst.stdout.split(separator: "\n").map { try object(String($0)) }
    // pycocotools' [image, tp, fp, missed, ignored], ranked by missed + fp, then image id.
    let counts = try #require(golden.runs["default"]?["image_counts"] as? [[NSNumber]]).map {
      $0.map(\.intValue)
    }
    let expected = counts.sorted {
      ($0[2] + $0[3], -$0[0]) > ($1[2] + $1[3], -$1[0])
    }
    #expect(rows.count == 5)
    #expect(rows.map { ($0["image_id"] as! NSNumber).intValue } == expected.map { $0[0] })
    for (row, c) in zip(rows, expected) {
      #expect((row["true_positives"] as! NSNumber).intValue == c[1])
      #expect((row["false_positives"] as! NSNumber).intValue == c[2])
      #expect((row["missed"] as! NSNumber).intValue == c[3])
      #expect((row["ignored"] as! NSNumber).intValue == c[4])
      #expect((row["missed_plus_false"] as! NSNumber).intValue == c[2] + c[3])
    }
    let table = try CLI.run(["worst", "--db", db, "--run", "ev", "--top", "2"])
    #expect(table.stdout.split(separator: "\n").first?.contains("missed+false") == true)
    #expect(table.stdout.split(separator: "\n").count == 3)
  }

  private final class SVGCollector: NSObject, XMLParserDelegate {
    var root: String?
    var labels: [String] = []
    var pointCounts: [Int] = []
    func parser(
      _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
      qualifiedName: String?, attributes: [String: String] = [:]
    ) {
      if root == nil { root = name }
      if name == "polyline" {
        labels.append(attributes["data-label"] ?? "")
        pointCounts.append(attributes["points"]?.split(separator: " ").count ?? 0)
      }
    }
  }

  @Test func precisionRecallSVGIsStandaloneXML() throws {
    let dir = try StoreFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let db = try Golden().importInto(dir)
    let svg = dir.appendingPathComponent("pr.svg")
    let result = try CLI.run([
      "eval", "--db", db, "--name", "h", "--pr-svg", svg.path, "--pr-categories", "2,1",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let parser = try #require(XMLParser(contentsOf: svg))
    let collector = SVGCollector()
    parser.delegate = collector
    #expect(parser.parse(), "\(String(describing: parser.parserError))")
    #expect(collector.root == "svg")
    #expect(
      collector.labels == [
        "all categories @ IoU 0.50", "all categories @ IoU 0.75", "c2 (id 2) @ IoU 0.50",
        "c2 (id 2) @ IoU 0.75", "c1 (id 1) @ IoU 0.50", "c1 (id 1) @ IoU 0.75",
      ])
    #expect(collector.pointCounts == Array(repeating: 101, count: 6))

    for arguments in [
      ["--pr-categories", "1"], ["--pr-svg", svg.path, "--pr-categories", "4"],
      ["--pr-svg", svg.path, "--pr-categories", "1", "--no-categories"],
    ] {
      let bad = try CLI.run(["eval", "--db", db, "--name", "h"] + arguments)
      #expect(bad.status == 64, "\(arguments): \(bad.status) \(bad.stderr)")
    }
  }

  /// Detections for images or categories the ground truth lacks: the first few ids and the
  /// counts, whichever step (import or evaluation) refuses them.
  @Test func unknownImagesAndCategoriesAreNamedWithCounts() throws {
    let dir = try StoreFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let db = try Golden().importInto(dir)
    func results(_ rows: [(image: Int, category: Int)]) throws -> String {
      let url = dir.appendingPathComponent("r\(UUID().uuidString).json")
      let objects = rows.map {
        ["image_id": $0.image, "category_id": $0.category, "bbox": [1, 1, 5, 5], "score": 0.5]
          as [String: Any]
      }
      try JSONSerialization.data(withJSONObject: objects).write(to: url)
      return url.path
    }
    // 8 detections on 7 unknown images (900 twice) and 2 on known ones.
    let images = [900, 901, 900, 902, 903, 904, 905, 906].map { ($0, 1) } + [(10, 1), (11, 2)]
    let categories = [(10, 41), (10, 42), (11, 41), (20, 1)]
    for (rows, kind, message) in [
      (
        images, "image",
        "8 detection(s) of dataset h refer to 7 image id(s) its ground truth does not have: 900, 901, 902, 903, 904, ..."
      ),
      (
        categories, "category",
        "3 detection(s) of dataset h refer to 2 category id(s) its ground truth does not have: 41, 42"
      ),
    ] {
      let imported = try CLI.run([
        "import", "coco-results", try results(rows), "--db", db, "--name", "h", "--replace",
      ])
      if imported.status == 0 {
        let result = try CLI.run(["eval", "--db", db, "--name", "h"])
        #expect(result.status == 1, "\(kind): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(kind): \(result.stderr)")
        #expect(result.stdout.isEmpty)
      } else {
        // An importer that refuses them must name them as well.
        #expect(
          imported.stderr.contains(kind) && imported.stderr.contains(kind == "image" ? "900" : "41")
        )
      }
    }
  }

  /// Detections already in a store (written by another tool or an older detkit: today's
  /// `import coco-results` refuses them) for images or categories the ground truth lacks:
  /// `eval` names the first five ids and both counts, and prints nothing on stdout.
  @Test func storedDetectionsOfUnknownIdsAreNamedByEval() throws {
    let dir = try StoreFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let db = try Golden().importInto(dir)
    func insert(_ rows: [(image: Int, category: Int)]) throws {
      let store = try AnnotationStore(path: db)
      let values = rows.map {
        "((SELECT id FROM datasets WHERE name = 'h'), \($0.image), \($0.category), 1, 1, 5, 5, 0.5)"
      }
      try store.database.execute(
        "INSERT INTO detections (dataset_id, image_id, category_id, x, y, w, h, score) VALUES "
          + values.joined(separator: ", "))
    }
    // 8 detections on 7 unknown images (900 twice).
    try insert([900, 901, 900, 902, 903, 904, 905, 906].map { ($0, 1) })
    let images = try CLI.run(["eval", "--db", db, "--name", "h"])
    #expect(images.status == 1)
    #expect(
      images.stderr.contains(
        "8 detection(s) of dataset h refer to 7 image id(s) its ground truth does not have: 900, 901, 902, 903, 904, ..."
      ), "\(images.stderr)")
    #expect(images.stdout.isEmpty)

    let store = try AnnotationStore(path: db)
    try store.database.execute("DELETE FROM detections WHERE image_id >= 900")
    try insert([(10, 41), (11, 42), (20, 41)])
    let categories = try CLI.run(["eval", "--db", db, "--name", "h"])
    #expect(categories.status == 1)
    #expect(
      categories.stderr.contains(
        "3 detection(s) of dataset h refer to 2 category id(s) its ground truth does not have: 41, 42"
      ), "\(categories.stderr)")
  }

  /// Where pycocotools gives -1 (no ground truth that counts) so does detkit, and it says why.
  @Test func minusOneStatsComeWithTheReason() throws {
    let dir = try StoreFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let db = try Golden().importInto(dir)
    // Image 12 has neither ground truth nor detections: pycocotools prints -1 twelve times.
    let empty = try CLI.run(["eval", "--db", db, "--name", "h", "--images", "12", "--json"])
    #expect(empty.status == 0, "\(empty.stderr)")
    let stats = try #require(try object(empty.stdout)["stats"] as? [NSNumber]).map(\.doubleValue)
    #expect(stats == Array(repeating: -1, count: 12))
    #expect(empty.stderr.contains("12 of the 12 stats are -1"))
    #expect(empty.stderr.contains("no ground truth counts"))
    // The subset run: pycocotools' own -1 for the large area range.
    let subsets = try CLI.run([
      "eval", "--db", db, "--name", "h", "--images", "10,20", "--categories", "1,2", "--json",
    ])
    let subsetStats = try #require(try object(subsets.stdout)["stats"] as? [NSNumber]).map(
      \.doubleValue)
    #expect(subsetStats[5] == -1 && subsetStats[11] == -1)
    #expect(subsets.stderr.contains("2 of the 12 stats are -1"))
    // A full evaluation without -1 says nothing.
    let full = try CLI.run(["eval", "--db", db, "--name", "h"])
    #expect(!full.stderr.contains("-1"))
  }
}
