import Foundation
import Testing

/// The cross-framework table of REFERENCE.md needs an IoU matrix; end to end we use boxes
/// whose IoUs are easy to check by hand: anchors of 10x10 and a ground truth overlapping
/// them by known areas.
private let anchors: [Float] = [
  0, 0, 10, 10,  // IoU with gt0 = 1
  5, 0, 15, 10,  // IoU with gt0 = 50/150 = 1/3
  40, 40, 50, 50,  // IoU with gt1 = 1
  100, 100, 110, 110,  // no overlap
]
private let groundTruth: [Float] = [0, 0, 10, 10, 40, 40, 50, 50]

@Test func matchWritesInt64MatchesAndStats() throws {
  let dir = try NPYBytes.temporaryDirectory()
  let a = dir.appendingPathComponent("anchors.npy")
  let g = dir.appendingPathComponent("gt.npy")
  let m = dir.appendingPathComponent("m.npy")
  try NPYBytes.float32(anchors, rows: 4).write(to: a)
  try NPYBytes.float64(groundTruth.map(Double.init), rows: 2).write(to: g)
  let result = try CLI.run([
    "match", "--anchors", a.path, "--gt", g.path, "--output", m.path, "--stats",
  ])
  #expect(result.status == 0, "\(result.stderr)")
  // 1/3 lies between 0.3 and 0.7: ignore.
  #expect(NPYBytes.readInt64(try Data(contentsOf: m)) == [0, -2, 1, -1])
  let stats = try #require(
    try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
  #expect(stats["positives"] as? Int == 2)
  #expect(stats["negatives"] as? Int == 1)
  #expect(stats["ignored"] as? Int == 1)
  #expect(stats["sparse"] as? Bool == false)
  #expect(stats["bestIoU"] as? [Double] == [1, 1])
}

@Test func matchOnAPresetUsesTheSparsePath() throws {
  let dir = try NPYBytes.temporaryDirectory()
  let g = dir.appendingPathComponent("gt.npy")
  try NPYBytes.float32([10, 20, 90, 70, 300, 100, 420, 260, 1000, 1000, 1010, 1012], rows: 3).write(
    to: g)
  let viaPreset = try CLI.run([
    "match", "--preset", "fpn", "--image", "320x480", "--compat", "torchvision", "--gt", g.path,
    "--low-quality", "--policy", "torchvision", "--output",
    dir.appendingPathComponent("m.npy").path,
  ])
  #expect(viaPreset.status == 0, "\(viaPreset.stderr)")
  let stats = try #require(
    try JSONSerialization.jsonObject(
      with: Data(
        try CLI.run([
          "match", "--preset", "fpn", "--image", "320x480", "--compat", "torchvision", "--gt",
          g.path,
          "--low-quality", "--policy", "torchvision", "--stats",
        ]).stdout.utf8)) as? [String: Any])
  #expect(stats["sparse"] as? Bool == true)
  // The third box lies outside the 320x480 grid: best IoU 0, so under torchvision's rule
  // every anchor turns positive.
  #expect(stats["negatives"] as? Int == 0)
  #expect((stats["bestIoU"] as? [Double])?[2] == 0)
  let detkitPolicy = try CLI.run([
    "match", "--preset", "fpn", "--image", "320x480", "--compat", "torchvision", "--gt", g.path,
    "--low-quality", "--stats",
  ])
  let guarded = try #require(
    try JSONSerialization.jsonObject(with: Data(detkitPolicy.stdout.utf8)) as? [String: Any])
  #expect(guarded["unmatchedGroundTruth"] as? [Int] == [2])
  #expect((guarded["negatives"] as? Int ?? 0) > 0)
  let matches = try #require(
    NPYBytes.readInt64(try Data(contentsOf: dir.appendingPathComponent("m.npy"))))
  #expect(matches.count == stats["anchors"] as? Int)
  #expect(!matches.contains(-1))
}

@Test func matchRejectsBadInput() throws {
  let dir = try NPYBytes.temporaryDirectory()
  let g = dir.appendingPathComponent("gt.npy")
  try NPYBytes.float32([0, 0, 10, 10, 5, 5, 5, 9], rows: 2).write(to: g)
  let usage = try CLI.run(["match", "--gt", g.path, "--stats"])
  #expect(usage.status == 64)
  #expect(usage.stderr.contains("--anchors"))
  let degenerate = try CLI.run([
    "match", "--preset", "fpn", "--image", "64x64", "--gt", g.path, "--stats",
  ])
  #expect(degenerate.status == 1)
  #expect(degenerate.stderr.contains("ground truth row 1"))
  // A CLI user is told the flag, not the library's API.
  #expect(degenerate.stderr.contains("--skip-degenerate"))
  #expect(!degenerate.stderr.contains("DegenerateGroundTruth"))
  let atss = try CLI.run([
    "match", "--assigner", "atss", "--preset", "fpn", "--image", "64x64", "--gt", g.path, "--stats",
  ])
  #expect(atss.status == 1)
  #expect(atss.stderr.contains("ground truth row 1") && atss.stderr.contains("--skip-degenerate"))
  let skipped = try CLI.run([
    "match", "--preset", "fpn", "--image", "64x64", "--gt", g.path, "--stats", "--skip-degenerate",
  ])
  #expect(skipped.status == 0)
  #expect(skipped.stdout.contains("\"skippedGroundTruth\":[1]"))
  let ints = dir.appendingPathComponent("ints.npy")
  try NPYBytes.int64([1, 2, 3, 4]).write(to: ints)
  let wrongType = try CLI.run([
    "match", "--preset", "fpn", "--image", "64x64", "--gt", ints.path, "--stats",
  ])
  #expect(wrongType.status == 1)
  #expect(wrongType.stderr.contains("float32 or float64"))
}

@Test func matchWithATSSAndIgnoreRegions() throws {
  let dir = try NPYBytes.temporaryDirectory()
  let g = dir.appendingPathComponent("gt.npy")
  let c = dir.appendingPathComponent("crowd.npy")
  try NPYBytes.float32([100, 100, 180, 160], rows: 1).write(to: g)
  try NPYBytes.float32([0, 0, 40, 40], rows: 1).write(to: c)
  let result = try CLI.run([
    "match", "--preset", "retinanet", "--image", "256x256", "--gt", g.path, "--ignore", c.path,
    "--assigner", "atss", "--stats",
  ])
  #expect(result.status == 0, "\(result.stderr)")
  let stats = try #require(
    try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
  #expect((stats["positives"] as? Int ?? 0) > 0)
  #expect((stats["ignored"] as? Int ?? 0) > 0)
  #expect(stats["unmatchedGroundTruth"] as? [Int] == [])
}

@Test func sampleDrawsABalancedReproducibleBatch() throws {
  let dir = try NPYBytes.temporaryDirectory()
  let m = dir.appendingPathComponent("m.npy")
  var matches: [Int64] = []
  for i in 0..<1000 {
    let label: Int64 = i % 10 == 0 ? Int64(i % 3) : (i % 10 == 1 ? -2 : -1)
    matches.append(label)
  }
  try NPYBytes.int64(matches).write(to: m)
  let s1 = dir.appendingPathComponent("s1.npy")
  let s2 = dir.appendingPathComponent("s2.npy")
  for out in [s1, s2] {
    let r = try CLI.run([
      "sample", "--matches", m.path, "--batch", "64", "--positive-fraction", "0.25", "--seed", "5",
      "--output", out.path,
    ])
    #expect(r.status == 0, "\(r.stderr)")
  }
  let labels = try #require(NPYBytes.readInt64(try Data(contentsOf: s1)))
  #expect(labels == NPYBytes.readInt64(try Data(contentsOf: s2)))
  #expect(labels.filter { $0 == 1 }.count == 16)
  #expect(labels.filter { $0 == 0 }.count == 48)
  #expect(zip(labels, matches).allSatisfy { l, m in l == -1 || (l == 1) == (m >= 0) })
  #expect(zip(labels, matches).allSatisfy { l, m in m != -2 || l == -1 })
  let missingSeed = try CLI.run(["sample", "--matches", m.path, "--output", s1.path])
  #expect(missingSeed.status == 64)
}
