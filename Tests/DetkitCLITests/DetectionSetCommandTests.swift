import Foundation
import Testing

@Test func detectionSetsImportExportAndList() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  let db = f.path("s.sqlite")
  let formats = StoreFixtures.packageRoot.appendingPathComponent("fixtures/formats")
  let instances = formats.appendingPathComponent("coco_kept_members.json").path
  let results = formats.appendingPathComponent("coco_kept_members_results.json").path
  #expect(try CLI.run(["import", "coco", instances, "--db", db, "--name", "d"]).status == 0)
  for set in ["default", "b"] {
    var arguments = ["import", "coco-results", results, "--db", db, "--name", "d"]
    if set != "default" { arguments += ["--set", set] }
    let imported = try CLI.run(arguments)
    #expect(imported.status == 0, "\(imported.stderr)")
  }
  let listed = try CLI.run(["datasets", "--db", db])
  #expect(listed.stdout.contains("detection sets of d: b (3), default (3)"), "\(listed.stdout)")
  let exported = try CLI.run([
    "export", "coco-results", "--db", db, "--name", "d", "--set", "b", "--output", "-",
  ])
  #expect(exported.status == 0, "\(exported.stderr)")
  let back = try JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [[String: Any]]
  #expect(back?.count == 3)
  #expect(back?.first?["image_id"] as? String == "2299")
  #expect(back?.first?["category_name"] as? String == "person")
  let missing = try CLI.run([
    "export", "coco-results", "--db", db, "--name", "d", "--set", "zz", "--output", "-",
  ])
  #expect(missing.status == 1 && missing.stderr.contains("it has b, default"), "\(missing.stderr)")
}
