import Foundation
import Testing

private func temporaryFile(_ contents: String) throws -> String {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent(
    "detkit-bench-\(UUID()).json"
  ).path
  try contents.write(toFile: path, atomically: true, encoding: .utf8)
  return path
}

@Test func benchJSONHasThePeerBenchKeys() throws {
  // Stages chosen to stay quick in a debug build; the keys are what peer_bench.py writes.
  let result = try CLI.run([
    "bench", "--repeat", "1", "--gt", "5", "--json", "--stages", "anchors,match,encode",
  ])
  #expect(result.status == 0, "\(result.stderr)")
  let object = try #require(
    try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
  #expect(object["tool"] as? String == "detkit")
  #expect(object["workload"] as? String == "W-FPN")
  #expect(object["gt"] as? Int == 5)
  #expect((object["threads"] as? Int ?? 0) >= 1)
  let stages = try #require(object["stages"] as? [String: [String: Any]])
  #expect(Set(stages.keys) == ["anchors", "match", "encode"])
  let anchors = try #require(stages["anchors"])
  #expect(anchors["runs"] as? Int == 1)
  #expect((anchors["median_ms"] as? Double ?? -1) > 0)
  let match = try #require(stages["match"])
  #expect((match["median_ms"] as? Double ?? -1) > 0)
}

@Test func benchRunsTheSmoothL1LossStage() throws {
  let result = try CLI.run(["bench", "--repeat", "1", "--stages", "smoothl1", "--json"])
  #expect(result.status == 0, "\(result.stderr)")
  let object = try #require(
    try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
  let stages = try #require(object["stages"] as? [String: [String: Any]])
  #expect(stages.keys.sorted() == ["smoothl1"])
}

@Test func benchFPNIsTheDefaultSubcommand() throws {
  let explicit = try CLI.run(["bench", "fpn", "--repeat", "1", "--stages", "anchors"])
  #expect(explicit.status == 0)
  #expect(explicit.stdout.contains("W-FPN: image 800x1344, 268569 anchors, 20 GT boxes"))
  #expect(explicit.stdout.contains("anchors") && !explicit.stdout.contains("iou "))
}

@Test func benchCompareDividesPeerByDetkit() throws {
  let peer = try temporaryFile(
    #"{"tool": "torchvision 0.29.2", "workload": "W-FPN", "gt": 20, "seed": 1, "threads": 2, "stages": {"anchors": {"median_ms": 1000000.0, "runs": 7}}}"#
  )
  defer { try? FileManager.default.removeItem(atPath: peer) }
  let result = try CLI.run([
    "bench", "--repeat", "1", "--stages", "anchors", "--compare", peer, "--json",
  ])
  #expect(result.status == 0, "\(result.stderr)")
  let object = try #require(
    try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
  let stages = try #require(object["stages"] as? [String: [String: Any]])
  let mine = try #require(stages["anchors"]?["median_ms"] as? Double)
  let ratio = try #require((object["speedup"] as? [String: Double])?["anchors"])
  #expect(abs(ratio - 1_000_000 / mine) <= 0.01 * ratio)
  #expect(object["peer"] as? String == "torchvision 0.29.2")
  #expect(result.stderr.isEmpty)
}

@Test func benchWarnsWhenThePeerRanAnotherWorkload() throws {
  let peer = try temporaryFile(
    #"{"tool": "torchvision", "workload": "W-FPN", "gt": 100, "threads": 2, "stages": {}}"#)
  defer { try? FileManager.default.removeItem(atPath: peer) }
  let result = try CLI.run(["bench", "--repeat", "1", "--stages", "anchors", "--compare", peer])
  #expect(result.status == 0)
  #expect(result.stderr.contains("gt 100"))
}

@Test func benchRejectsAMalformedPeerReport() throws {
  let peer = try temporaryFile(#"{"tool": "torchvision"}"#)
  defer { try? FileManager.default.removeItem(atPath: peer) }
  let result = try CLI.run(["bench", "--repeat", "1", "--compare", peer])
  #expect(result.status == 1)
  #expect(result.stderr.contains(peer) && result.stderr.contains("missing key"))
  let missing = try CLI.run(["bench", "--repeat", "1", "--compare", "/nonexistent/peer.json"])
  #expect(missing.status == 1)
  #expect(missing.stderr.contains("/nonexistent/peer.json"))
}

@Test(arguments: [
  ["bench", "--stages", "anchors,nope"],
  ["bench", "--repeat", "0"],
  ["bench", "--gt", "-3"],
  ["bench", "nope"],
])
func benchRejectsBadArgumentsWithUsageStatus(arguments: [String]) throws {
  let result = try CLI.run(arguments)
  #expect(result.status == 64, "\(arguments)")
  #expect(result.stdout.isEmpty)
}

@Test func benchHelpShowsAnExample() throws {
  let result = try CLI.run(["bench", "fpn", "--help"])
  #expect(result.status == 0)
  #expect(result.stdout.contains("detkit bench --gt 100 --compare peer.json"))
}
