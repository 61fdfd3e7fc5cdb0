import Foundation
import Testing

/// `--anchor-config FILE` on the dataset commands (coverage, targets, draw, loss): the
/// printed preset configuration gives the preset's output, an edited one changes it, and
/// the matcher is explicit.

/// `detkit anchors --preset P --compat C --print-config`, written to a temporary file.
private func printedConfig(_ preset: String, compat: String = "torchvision") throws -> String {
  let printed = try CLI.run(["anchors", "--preset", preset, "--compat", compat, "--print-config"])
  #expect(printed.status == 0, "\(printed.stderr)")
  let url = try NPYBytes.temporaryDirectory().appendingPathComponent("\(preset).json")
  try Data(printed.stdout.utf8).write(to: url)
  return url.path
}

/// A JSON object's members, parsed.
private func object(_ text: String) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

/// `coverage --json` without the member naming the anchors' source.
private func coverage(_ arguments: [String]) throws -> NSDictionary {
  let r = try CLI.run(["coverage", "--json"] + arguments)
  #expect(r.status == 0, "\(r.stderr)")
  var o = try object(r.stdout)
  #expect(o["preset"] != nil || o["anchor_config"] != nil)
  o["preset"] = nil
  o["anchor_config"] = nil
  return o as NSDictionary
}

@Test(arguments: [("fpn", "rpn"), ("retinanet", "retinanet")])
func coverageOnThePrintedConfigEqualsThePreset(preset: String, matcher: String) throws {
  let (db, _) = try Demo.store()
  let file = try printedConfig(preset)
  let common = ["--db", db, "--name", "demo"]
  let direct = try coverage(common + ["--preset", preset])
  let loaded = try coverage(common + ["--anchor-config", file, "--matcher", matcher])
  #expect(loaded == direct)
  #expect((direct["all"] as? [String: Any])?["boxes"] as? Int ?? 0 > 0)
}

@Test func coverageNamesTheFileAndUsesItsAnchors() throws {
  let (db, dir) = try Demo.store()
  // The RetinaNet preset with every size halved: a different grid of the same shape.
  var config = try object(
    String(
      decoding: Data(contentsOf: URL(fileURLWithPath: try printedConfig("retinanet"))),
      as: UTF8.self))
  var levels = try #require(config["levels"] as? [[String: Any]])
  for i in levels.indices {
    levels[i]["sizes"] = (levels[i]["sizes"] as! [Double]).map { $0 / 2 }
  }
  config["levels"] = levels
  let file = dir.appendingPathComponent("half.json")
  try JSONSerialization.data(withJSONObject: config).write(to: file)
  let common = ["--db", db, "--name", "demo"]
  let preset = try coverage(common + ["--preset", "retinanet"])
  let halved = try coverage(common + ["--anchor-config", file.path, "--matcher", "retinanet"])
  #expect(halved != preset)
  let table = try CLI.run(
    common.prefixed("coverage") + ["--anchor-config", file.path, "--matcher", "retinanet"])
  #expect(table.status == 0, "\(table.stderr)")
  #expect(table.stdout.contains("anchors \(file.path) (torchvision)"))
  let json = try CLI.run(
    common.prefixed("coverage") + [
      "--anchor-config", file.path, "--matcher", "retinanet", "--json",
    ])
  #expect(try object(json.stdout)["anchor_config"] as? String == file.path)
}

@Test func matcherOverridesThePresetsMatcher() throws {
  let (db, _) = try Demo.store()
  let common = ["--db", db, "--name", "demo", "--preset", "fpn"]
  let rpn = try coverage(common)
  let retina = try coverage(common + ["--matcher", "retinanet"])
  let high = { (o: NSDictionary) in (o["matcher"] as? [String: Any])?["high"] as? Double }
  #expect(high(rpn) == Double(Float(0.7)))
  #expect(high(retina) == Double(Float(0.5)))
}

@Test(arguments: [("fpn", "rpn"), ("retinanet", "retinanet")])
func targetsOnThePrintedConfigEqualThePreset(preset: String, matcher: String) throws {
  let (db, dir) = try Demo.store()
  let file = try printedConfig(preset)
  let common = ["targets", "--db", db, "--name", "demo", "--ignore-crowd"]
  let a = dir.appendingPathComponent("a")
  let b = dir.appendingPathComponent("b")
  let direct = try CLI.run(common + ["--preset", preset, "--output", a.path])
  let loaded = try CLI.run(
    common + ["--anchor-config", file, "--matcher", matcher, "--output", b.path])
  #expect(direct.status == 0 && loaded.status == 0, "\(loaded.stderr)")
  let names = try FileManager.default.contentsOfDirectory(atPath: a.path).sorted()
  #expect(names.count == 3 * 12)
  #expect(try FileManager.default.contentsOfDirectory(atPath: b.path).sorted() == names)
  for name in names {
    let x = try Data(contentsOf: a.appendingPathComponent(name))
    let y = try Data(contentsOf: b.appendingPathComponent(name))
    #expect(x == y, "\(name)")
  }
}

@Test func lossOnThePrintedConfigEqualsTheHeadsPreset() throws {
  let directory = try StoreFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let db = directory.appendingPathComponent("store.sqlite").path
  let small = directory.appendingPathComponent("small.json")
  try StoreFixtures.writeCOCO(images: 4, perImage: 3, width: 128, height: 128, to: small)
  let imported = try CLI.run(["import", "coco", small.path, "--db", db, "--name", "small"])
  try #require(imported.status == 0, "\(imported.stderr)")
  let predictions = directory.appendingPathComponent("predictions")
  try StoreFixtures.writePredictions(
    images: 4, anchors: StoreFixtures.retinaNetAnchorCount(height: 128, width: 128), classes: 8,
    salt: 0, to: predictions)
  let plain = [
    "loss", "retinanet", "--db", db, "--name", "small", "--resize", "none", "--predictions",
    predictions.path,
  ]
  let direct = try CLI.run(plain)
  let loaded = try CLI.run(plain + ["--anchor-config", try printedConfig("retinanet")])
  #expect(direct.status == 0 && loaded.status == 0, "\(loaded.stderr)")
  #expect(loaded.stdout == direct.stdout)
  // The same file in detectron2's arithmetic moves the anchors (unrounded), so the
  // positives and losses change: the file, not the head's preset, makes the grid.
  let moved = try CLI.run(
    plain + ["--anchor-config", try printedConfig("retinanet", compat: "detectron2")])
  #expect(moved.status == 0, "\(moved.stderr)")
  #expect(moved.stdout != direct.stdout)
}

@Test func drawOnAConfig() throws {
  let (db, dir) = try Demo.store()
  let svg = dir.appendingPathComponent("d.svg")
  let r = try CLI.run([
    "draw", "--db", db, "--name", "demo", "--image", "100", "--anchor-config",
    try printedConfig("retinanet"), "--matcher", "retinanet", "--output", svg.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(String(decoding: try Data(contentsOf: svg), as: UTF8.self).contains("positive P3"))
}

/// Usage errors (exit 64) of the dataset commands with `--anchor-config`.
@Test(arguments: ["coverage", "targets", "draw", "loss"])
func anchorConfigUsageErrorsOnDatasetCommands(command: String) throws {
  let (db, dir) = try Demo.store()
  let good = try printedConfig("fpn")
  let bad = dir.appendingPathComponent("bad.json")
  try Data(
    #"{"compat": "torchvision", "levels": [{"stride": 8, "sizes": [], "aspectRatios": [1]}]}"#
      .utf8
  ).write(to: bad)
  var base: [String]
  switch command {
  case "targets": base = ["targets", "--output", dir.appendingPathComponent("t").path]
  case "draw": base = ["draw", "--image", "100", "--output", dir.appendingPathComponent("x").path]
  case "loss": base = ["loss", "rpn", "--predictions", dir.path]
  default: base = ["coverage"]
  }
  base += ["--db", db, "--name", "demo"]
  // A bad file names the file and the JSON path of the empty level.
  let broken = try CLI.run(base + ["--anchor-config", bad.path, "--matcher", "rpn"].loss(command))
  #expect(broken.status == 64, "\(broken.stderr)")
  #expect(broken.stderr.contains(bad.path) && broken.stderr.contains("$.levels[0].sizes"))
  if command != "loss" {
    // --preset and --anchor-config are exclusive.
    let both = try CLI.run(base + ["--preset", "fpn", "--anchor-config", good, "--matcher", "rpn"])
    #expect(both.status == 64 && both.stderr.contains("exclusive"), "\(both.stderr)")
    // A configuration file does not say which detector trains on it: --matcher is needed.
    let noMatcher = try CLI.run(base + ["--anchor-config", good])
    #expect(noMatcher.status == 64 && noMatcher.stderr.contains("--matcher"), "\(noMatcher.stderr)")
    // Neither a preset nor a file.
    let neither = try CLI.run(base)
    #expect(neither.status == 64 && neither.stderr.contains("--anchor-config"), "\(neither.stderr)")
  }
}

@Test func targetsWithATSSNeedNoMatcher() throws {
  let (db, dir) = try Demo.store()
  let r = try CLI.run([
    "targets", "--db", db, "--name", "demo", "--anchor-config", try printedConfig("retinanet"),
    "--assigner", "atss", "--output", dir.appendingPathComponent("t").path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
}

extension Array where Element == String {
  /// `command` followed by these arguments.
  fileprivate func prefixed(_ command: String) -> [String] { [command] + self }

  /// These arguments without `--matcher X` for `loss` (the head picks its matcher).
  fileprivate func loss(_ command: String) -> [String] {
    guard command == "loss", let i = firstIndex(of: "--matcher") else { return self }
    var copy = self
    copy.removeSubrange(i...(i + 1))
    return copy
  }
}

@Test func anchorsOptimizeWritesALoadableConfigAndIsDeterministic() throws {
  let (db, dir) = try Demo.store()
  let out = dir.appendingPathComponent("fitted.json")
  let args = [
    "anchors", "optimize", "--db", db, "--name", "demo", "--preset", "retinanet",
    "--iterations", "4", "--seed", "3", "--threads", "2",
  ]
  let svg = dir.appendingPathComponent("fitted.svg")
  let first = try CLI.run(args + ["--output", out.path, "--svg", svg.path])
  #expect(first.status == 0, "\(first.stderr)")
  #expect(try wellFormed(Data(contentsOf: svg)))
  #expect(first.stdout.contains("coverage (low-quality rescue on), retinanet -> fitted:"))
  let fitted = try Data(contentsOf: out)
  let again = try CLI.run(args + ["--output", out.path])
  let refitted = try Data(contentsOf: out)
  #expect(again.stdout == first.stdout && refitted == fitted)
  let lines = first.stdout.split(separator: "\n").map(String.init)
  func covered(_ row: String) throws -> Double {
    let line = try #require(lines.first { $0.hasPrefix(row) })
    let field = try #require(line.split(separator: " ").dropFirst().first)
    return try #require(Double(field.dropLast()))
  }
  #expect(try covered("fitted") >= covered("retinanet"))
  #expect(try covered("fitted") >= covered("k-means"))
  for framework in ["# torchvision", "# detectron2", "# mmdetection"] {
    #expect(first.stdout.contains(framework))
  }
  // The output is an anchor configuration: coverage loads it.
  let coverage = try CLI.run([
    "coverage", "--db", db, "--name", "demo", "--anchor-config", out.path, "--matcher",
    "retinanet",
  ])
  #expect(coverage.status == 0, "\(coverage.stderr)")
}

@Test func anchorsOptimizeUsageErrors() throws {
  let (db, _) = try Demo.store()
  let base = ["anchors", "optimize", "--db", db, "--name", "demo"]
  let noMatcher = try CLI.run(base + ["--anchor-config", try printedConfig("fpn")])
  #expect(noMatcher.status == 64 && noMatcher.stderr.contains("--matcher"), "\(noMatcher.stderr)")
  let badIterations = try CLI.run(base + ["--preset", "fpn", "--iterations", "-1"])
  #expect(badIterations.status == 64 && badIterations.stderr.contains("--iterations"))
  let types = try CLI.run(base + ["--preset", "fpn", "--types-per-level", "4"])
  #expect(types.status == 64 && types.stderr.contains("--types-per-level"), "\(types.stderr)")
  let help = try CLI.run(["anchors", "--help"])
  #expect(help.status == 0 && help.stdout.contains("optimize"))
  let own = try CLI.run(["anchors", "optimize", "--help"])
  #expect(own.status == 0 && own.stdout.contains("--shared-ratios"))
}

@Test func anchorsOptimizeOnASampleStatesItsStandardErrorAndScoresEveryBox() throws {
  let (db, _) = try Demo.store()
  let args = [
    "anchors", "optimize", "--db", db, "--name", "demo", "--preset", "retinanet",
    "--iterations", "3", "--seed", "5", "--sample-images", "3",
  ]
  let two = try CLI.run(args + ["--threads", "2"])
  let one = try CLI.run(args + ["--threads", "1"])
  #expect(two.status == 0, "\(two.stderr)")
  // The same output for any thread count.
  #expect(one.stdout == two.stdout)
  let line = try #require(
    two.stdout.split(separator: "\n").first { $0.hasPrefix("searched on a seeded sample of 3 of ") }
  )
  #expect(line.contains("± ") && line.contains("standard error") && line.contains("on every box"))
  #expect(!line.contains("automatic"))
  // The table's scores are on every box: its box count is the full set's.
  let full = try CLI.run([
    "anchors", "optimize", "--db", db, "--name", "demo", "--preset", "retinanet",
    "--iterations", "0",
  ])
  let header = { (s: String) in s.split(separator: "\n").first.map(String.init) }
  #expect(header(two.stdout) == header(full.stdout))
  #expect(!full.stdout.contains("searched on a seeded sample"))
}
