import Foundation
import Testing

/// SIGTERM in the middle of an export removes its temporary file (status 143, nothing left
/// behind); a killed run's leftover is removed by the next run writing there.
@Test func anInterruptedExportLeavesNothingBehind() throws {
  let dir = try StoreFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  // Enough records that the export takes a while (about a second in a debug build).
  let count = 100_000
  var text = #"{"categories": [{"id": 1, "name": "a"}], "images": ["#
  text += (1...count).map { #"{"id": \#($0), "file_name": "\#($0).jpg", "width": 9, "height": 9}"# }
    .joined(separator: ",")
  text += "]}"
  let input = dir.appendingPathComponent("in.json")
  try Data(text.utf8).write(to: input)
  let db = dir.appendingPathComponent("s.sqlite").path
  #expect(try CLI.run(["import", "coco", input.path, "--db", db, "--name", "d"]).status == 0)

  let output = dir.appendingPathComponent("out.json").path
  func leftovers() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
      .filter { $0.hasPrefix("out.json") }
  }
  let (result, signalled) = try CLI.run(
    ["export", "coco", "--db", db, "--name", "d", "--output", output], sending: SIGTERM,
    when: { !leftovers().isEmpty })
  try #require(signalled, "the export finished before its temporary file was seen")
  #expect(result.status == 128 + SIGTERM, "\(result.stderr)")
  #expect(leftovers().isEmpty)

  // A SIGKILL cannot be caught: its leftover stays until the next export to the same path.
  let (killed, _) = try CLI.run(
    ["export", "coco", "--db", db, "--name", "d", "--output", output], sending: SIGKILL,
    when: { !leftovers().isEmpty })
  #expect(killed.status == 128 + SIGKILL)
  let left = leftovers()
  #expect(left.count == 1 && left[0].hasPrefix("out.json.tmp-"), "\(left)")
  #expect(
    try CLI.run(["export", "coco", "--db", db, "--name", "d", "--output", output]).status == 0)
  #expect(leftovers() == ["out.json"])
}

/// `targets` writes a new folder under a temporary name and renames it when complete: the
/// parent holds only the finished folder, and a killed run's leftover folder next to it
/// (`targets.tmp-<pid>-<n>`, a process that is gone) is removed by the next run.
@Test func targetsFolderAppearsWholeAndLeftoversGo() throws {
  let dir = try NPYBytes.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let db = try StoreFixtures.emptyAndOneBoxStore(in: dir)
  let out = dir.appendingPathComponent("targets")
  // A process id no process can have (above Linux's largest pid_max, 2^22).
  let stale = dir.appendingPathComponent("targets.tmp-2147483646-7")
  try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
  try Data([1]).write(to: stale.appendingPathComponent("1.labels.npy"))
  let r = try CLI.run([
    "targets", "--db", db, "--name", "two", "--preset", "retinanet", "--resize", "none", "--output",
    out.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
    .filter { $0.hasPrefix("targets") }
  #expect(names == ["targets"], "\(names)")
  #expect(
    try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == [
      "1.box_targets.npy", "1.labels.npy", "1.matches.npy", "2.box_targets.npy", "2.labels.npy",
      "2.matches.npy",
    ])
}
