import Foundation
import Testing

/// `images` lists and filters, `show --image` finds an image by file stem or name, `runs`
/// lists loss runs and detection sets: on the VOC CLI fixture (a.jpg: a difficult dog and a
/// cat; b.jpg: a cat), whose images get ids 1 and 2.
@Test func imagesShowByNameAndRuns() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  try f.writeVOC()
  let db = f.path("s.sqlite")
  #expect(try CLI.run(["import", "voc", f.path("voc"), "--db", db, "--name", "v"]).status == 0)

  for key in ["a", "a.jpg", "1"] {
    let shown = try CLI.run(["show", "--db", db, "--name", "v", "--image", key])
    #expect(shown.status == 0, "\(key): \(shown.stderr)")
    #expect(shown.stdout.hasPrefix("image 1  a.jpg  100x80"), "\(key): \(shown.stdout)")
  }
  let missing = try CLI.run(["show", "--db", db, "--name", "v", "--image", "c"])
  #expect(missing.status == 1 && missing.stderr.contains("file stem \"c\""), "\(missing.stderr)")

  func listed(_ arguments: [String]) throws -> [[String: Any]]? {
    let run = try CLI.run(["images", "--db", db, "--name", "v", "--json"] + arguments)
    guard run.status == 0 else { return nil }
    return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]]
  }
  let dogs = try #require(try listed(["--category", "dog"]))
  #expect(dogs.map { $0["file_name"] as? String } == ["a.jpg"])
  #expect(dogs.first?["boxes"] as? Int == 2 && dogs.first?["difficult"] as? Int == 1)
  #expect(dogs.first?["categories"] as? [String] == ["cat", "dog"])
  #expect(try listed(["--without-difficult"])?.map { $0["id"] as? Int } == [2])
  #expect(try listed(["--file", "b*"])?.map { $0["id"] as? Int } == [2])
  #expect(try listed(["--limit", "1"])?.count == 1)
  let table = try CLI.run(["images", "--db", db, "--name", "v", "--max-boxes", "1"])
  #expect(table.stdout.split(separator: "\n").count == 2, "\(table.stdout)")
  #expect(table.stderr.contains("1 of 2 images of \"v\" match"), "\(table.stderr)")

  let none = try CLI.run(["runs", "--db", db])
  #expect(none.status == 0 && none.stdout == "no loss runs\nno detection sets\n", "\(none.stdout)")
  try f.write(#"[{"image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5], "score": 0.5}]"#, "d.json")
  let imported = try CLI.run([
    "import", "coco-results", f.path("d.json"), "--db", db, "--name", "v", "--set", "m1",
  ])
  #expect(imported.status == 0, "\(imported.stderr)")
  let runs = try CLI.run(["runs", "--db", db, "--json"])
  let object = try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [String: Any]
  let sets = object?["detection_sets"] as? [[String: Any]]
  #expect(sets?.count == 1 && sets?.first?["name"] as? String == "m1")
  #expect(sets?.first?["dataset"] as? String == "v" && sets?.first?["detections"] as? Int == 1)
  #expect((object?["loss_runs"] as? [Any])?.isEmpty == true)
}
