import Foundation
import Testing

/// split, filter, rename-category and remap end to end on the VOC CLI fixture (a.jpg: a
/// difficult dog and a cat; b.jpg: a cat).
@Test func splitFilterRenameAndRemapCommands() throws {
  let f = try FormatsCLIFixtures()
  defer { f.remove() }
  try f.writeVOC()
  let db = f.path("s.sqlite")
  #expect(try CLI.run(["import", "voc", f.path("voc"), "--db", db, "--name", "v"]).status == 0)

  let split = try CLI.run([
    "split", "--db", db, "--name", "v", "--parts", "a=0.5,b=0.5", "--seed", "2",
  ])
  #expect(split.status == 0, "\(split.stderr)")
  #expect(split.stdout.contains("v-a: 1 images") && split.stdout.contains("v-b: 1 images"))
  #expect(
    try CLI.run(["split", "--db", db, "--name", "v", "--parts", "a=0.5,b=0.6"]).status == 64)

  let merged = try CLI.run(["merge", "--db", db, "--into", "v2", "v-a", "v-b", "v"])
  #expect(merged.status == 0, "\(merged.stderr)")
  #expect(merged.stderr.contains("2 categories, 2 images, 6 annotations"), "\(merged.stderr)")
  #expect(merged.stderr.contains("2 images were already there"))
  #expect(merged.stderr.contains("renumbered 3 annotation ids"), "\(merged.stderr)")

  let filtered = try CLI.run([
    "filter", "--db", db, "--name", "v", "--into", "dogs", "--category", "dog", "--drop-empty",
  ])
  #expect(filtered.status == 0, "\(filtered.stderr)")
  #expect(filtered.stderr.contains("1 images, 1 annotations"), "\(filtered.stderr)")
  let shown = try CLI.run(["show", "--db", db, "--name", "dogs", "--image", "a"])
  #expect(shown.stdout.contains("difficult"), "the difficult flag is copied: \(shown.stdout)")

  #expect(
    try CLI.run([
      "rename-category", "--db", db, "--name", "v", "--from", "cat", "--to", "feline",
    ]).status == 0)
  try f.write(#"{"feline": "animal", "dog": "animal"}"#, "map.json")
  let remapped = try CLI.run(["remap", "--db", db, "--name", "v", "--map", f.path("map.json")])
  #expect(remapped.status == 0 && remapped.stderr.contains("2 boxes moved"), "\(remapped.stderr)")
  let stats = try CLI.run(["stats", "--db", db, "--name", "v", "--json"])
  let json = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
  let perCategory = json?["per_category"] as? [[String: Any]]
  #expect(perCategory?.map { $0["name"] as? String } == ["animal"])
  #expect(perCategory?.first?["annotations"] as? Int == 3)
}
