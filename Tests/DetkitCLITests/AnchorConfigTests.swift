import Foundation
import Testing

/// Writes `text` to a fresh temporary file and returns its path.
private func temporaryFile(_ text: String, name: String = "anchors.json") throws -> String {
  let dir = try NPYBytes.temporaryDirectory()
  let url = dir.appendingPathComponent(name)
  try Data(text.utf8).write(to: url)
  return url.path
}

private let modes = ["torchvision", "detectron2", "mmdetection", "detectron-legacy"]

@Test(arguments: ["fpn", "retinanet"], modes)
func printedConfigGivesThePresetsGridThroughTheCLI(preset: String, compat: String) throws {
  let printed = try CLI.run(["anchors", "--preset", preset, "--compat", compat, "--print-config"])
  #expect(printed.status == 0, "\(printed.stderr)")
  let file = try temporaryFile(printed.stdout)
  for image in ["64x96", "37x53"] {
    let direct = try CLI.run([
      "anchors", "--preset", preset, "--compat", compat, "--image", image, "--format", "csv",
    ])
    // No --compat: the file's compat (the one it was printed with) is used.
    let loaded = try CLI.run([
      "anchors", "--anchor-config", file, "--image", image, "--format", "csv",
    ])
    #expect(direct.status == 0 && loaded.status == 0, "\(loaded.stderr)")
    #expect(loaded.stdout == direct.stdout, "\(preset) \(compat) \(image)")
  }
}

@Test func compatOnTheCommandLineOverridesTheFiles() throws {
  let printed = try CLI.run([
    "anchors", "--preset", "fpn", "--compat", "detectron2", "--print-config",
  ])
  #expect(printed.stdout.contains("\"compat\": \"detectron2\""))
  let file = try temporaryFile(printed.stdout)
  let direct = try CLI.run([
    "anchors", "--preset", "fpn", "--compat", "torchvision", "--image", "37x53",
  ])
  let loaded = try CLI.run([
    "anchors", "--anchor-config", file, "--compat", "torchvision", "--image", "37x53",
  ])
  #expect(loaded.status == 0)
  #expect(loaded.stdout == direct.stdout)
  // REFERENCE TV1: torchvision's rounded first P2 anchor, not detectron2's unrounded one.
  #expect(loaded.stdout.split(separator: "\n")[1] == "P2,0,0,0,-23.0,-11.0,23.0,11.0")
}

@Test func aHandWrittenConfigReachesTheGrid() throws {
  let file = try temporaryFile(
    #"{"compat": "detectron2", "offset": 0.5, "levels": [{"stride": 16, "sizes": [16], "aspectRatios": [4]}]}"#
  )
  let result = try CLI.run(["anchors", "--anchor-config", file, "--image", "16x16"])
  #expect(result.status == 0, "\(result.stderr)")
  // Centre 8 (offset 0.5 of stride 16); ratio 4 on area 16²: width 8, height 32.
  #expect(result.stdout == "level,y,x,type,x1,y1,x2,y2\nP4,0,0,0,4.0,-8.0,12.0,24.0\n")
}

@Test func printConfigIncludesTheOverrides() throws {
  let printed = try CLI.run([
    "anchors", "--preset", "fpn", "--sizes", "16,32,64,128,256", "--ratios", "1,3",
    "--print-config",
  ])
  #expect(printed.status == 0)
  let object = try #require(
    try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? [String: Any])
  let levels = try #require(object["levels"] as? [[String: Any]])
  #expect(levels.map { $0["sizes"] as? [Double] } == [[16], [32], [64], [128], [256]])
  #expect(levels[0]["aspectRatios"] as? [Double] == [1, 3])
}

@Test func badConfigFilesAreUsageErrorsNamingFileAndPath() throws {
  let bad = try temporaryFile(
    #"{"compat": "detectron2", "levels": [{"stride": 8, "sizes": [32], "aspectRatios": [1]}, {"stride": 8, "sizes": [64], "aspectRatios": [1]}]}"#
  )
  let anchors = try CLI.run(["anchors", "--anchor-config", bad, "--image", "64x64"])
  #expect(anchors.status == 64)
  #expect(anchors.stderr.contains(bad) && anchors.stderr.contains("$.levels[1].stride"))
  #expect(anchors.stdout.isEmpty)
  let dir = try NPYBytes.temporaryDirectory()
  let g = dir.appendingPathComponent("gt.npy")
  try NPYBytes.float32([0, 0, 10, 10], rows: 1).write(to: g)
  let match = try CLI.run([
    "match", "--anchor-config", bad, "--image", "64x64", "--gt", g.path, "--stats",
  ])
  #expect(match.status == 64)
  #expect(match.stderr.contains(bad) && match.stderr.contains("$.levels[1].stride"))
  let malformed = try temporaryFile("{\"compat\": ")
  let result = try CLI.run(["anchors", "--anchor-config", malformed, "--image", "64x64"])
  #expect(result.status == 64 && result.stderr.contains(malformed))
}

@Test(arguments: [
  ["--preset", "fpn"],
  ["--sizes", "32,64,128,256,512"],
  ["--offset", "0.5"],
  ["--compat", "torchvision", "--offset", "0"],
])
func anchorConfigConflictsAreUsageErrors(extra: [String]) throws {
  let printed = try CLI.run([
    "anchors", "--preset", "fpn", "--compat", "detectron2", "--print-config",
  ])
  let file = try temporaryFile(printed.stdout)
  let result = try CLI.run(["anchors", "--anchor-config", file, "--image", "64x64"] + extra)
  #expect(result.status == 64, "\(extra)")
  #expect(result.stderr.contains("Error"))
}

@Test func compatThatTheFileCannotExpressIsAUsageError() throws {
  // An offset of 0.5 has no meaning in torchvision's arithmetic.
  let file = try temporaryFile(
    #"{"compat": "detectron2", "offset": 0.5, "levels": [{"stride": 16, "sizes": [32], "aspectRatios": [1]}]}"#
  )
  let result = try CLI.run([
    "anchors", "--anchor-config", file, "--compat", "torchvision", "--image", "64x64",
  ])
  #expect(result.status == 64)
  #expect(result.stderr.contains("offset") && result.stderr.contains(file))
}

@Test func missingConfigFileIsAUsageError() throws {
  let result = try CLI.run([
    "anchors", "--anchor-config", "/nonexistent-\(UUID()).json", "--image", "64x64",
  ])
  #expect(result.status == 64 && result.stderr.contains("/nonexistent-"))
}

@Test func matchOnAConfigEqualsMatchOnThePreset() throws {
  let dir = try NPYBytes.temporaryDirectory()
  let g = dir.appendingPathComponent("gt.npy")
  try NPYBytes.float32([10, 20, 90, 70, 30, 10, 60, 120], rows: 2).write(to: g)
  let printed = try CLI.run([
    "anchors", "--preset", "retinanet", "--compat", "torchvision", "--print-config",
  ])
  let file = try temporaryFile(printed.stdout)
  var outputs: [Data] = []
  for source in [["--preset", "retinanet", "--compat", "torchvision"], ["--anchor-config", file]] {
    let m = dir.appendingPathComponent("m\(outputs.count).npy")
    let result = try CLI.run(
      ["match"] + source + ["--image", "128x160", "--gt", g.path, "--output", m.path])
    #expect(result.status == 0, "\(result.stderr)")
    outputs.append(try Data(contentsOf: m))
  }
  #expect(outputs[0] == outputs[1])
  #expect(NPYBytes.readInt64(outputs[0])?.contains { $0 >= 0 } == true)
}
