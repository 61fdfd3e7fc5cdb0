import DetGeometry
import DetTestSupport
import Foundation
import Testing

private func temporaryFile(_ contents: String) throws -> String {
  let path = TestTemporaryRoot.url.appendingPathComponent(
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

/// `iou_into` (the matrix into a reused buffer) and `fresh_pages` (a fresh result of the same
/// size filled with zeros, no arithmetic) are timed beside the fresh `iou` and never take
/// the peer's `iou` time: a peer report has no such stages, so they get no ratio.
@Test func benchDetkitOnlyIoUStagesHaveNoPeerRatio() throws {
  let peer = try temporaryFile(
    #"{"tool": "torchvision 0.29.2", "workload": "W-FPN", "gt": 3, "seed": 1, "threads": 2, "stages": {"iou": {"median_ms": 1000.0, "runs": 7}}, "compiled_stages": {"iou": {"median_ms": 100.0, "runs": 7, "compile_ms": 5000.0}}}"#
  )
  defer { try? FileManager.default.removeItem(atPath: peer) }
  let stages = "iou,iou_into,fresh_pages"
  let result = try CLI.run([
    "bench", "--repeat", "1", "--gt", "3", "--stages", stages, "--compare", peer, "--json",
  ])
  #expect(result.status == 0, "\(result.stderr)")
  let object = try #require(
    try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
  let timed = try #require(object["stages"] as? [String: [String: Any]])
  #expect(Set(timed.keys) == ["iou", "iou_into", "fresh_pages"])
  #expect((timed["iou_into"]?["median_ms"] as? Double ?? -1) > 0)
  #expect((timed["fresh_pages"]?["median_ms"] as? Double ?? -1) > 0)
  #expect((object["speedup"] as? [String: Double]).map { Set($0.keys) } == ["iou"])
  #expect((object["speedup_compiled"] as? [String: Double]).map { Set($0.keys) } == ["iou"])
  let table = try CLI.run([
    "bench", "--repeat", "1", "--gt", "3", "--stages", stages, "--compare", peer,
  ])
  for name in ["iou_into", "fresh_pages"] {
    let row = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix("\(name) ") })
    #expect(row.split(separator: " ").filter { $0 == "-" }.count == 5, "\(row)")
  }
}

/// A peer report with `torch.compile` timings gives a second ratio per stage (JSON and
/// table); a stage the compiler rejected shows as an error, not a ratio. A report without
/// them (the script's earlier format) gives no compiled ratios.
@Test func benchCompareAlsoDividesThePeersCompiledTimes() throws {
  let peer = try temporaryFile(
    #"""
    {"tool": "torchvision 0.29.2", "workload": "W-FPN", "gt": 20, "seed": 1, "threads": 2,
     "stages": {"anchors": {"median_ms": 1000000.0, "runs": 7},
                "encode": {"median_ms": 1000000.0, "runs": 7}},
     "compiler": "torch 2.15.0 torch.compile (inductor, g++)",
     "compiled_stages": {"anchors": {"median_ms": 500000.0, "min_ms": 400000.0, "runs": 7,
                                     "compile_ms": 12345.6},
                         "encode": {"error": "Unsupported: graph break"}}}
    """#)
  defer { try? FileManager.default.removeItem(atPath: peer) }
  let json = try CLI.run([
    "bench", "--repeat", "1", "--stages", "anchors,encode", "--compare", peer, "--json",
  ])
  #expect(json.status == 0, "\(json.stderr)")
  let object = try #require(
    try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
  let stages = try #require(object["stages"] as? [String: [String: Any]])
  let mine = try #require(stages["anchors"]?["median_ms"] as? Double)
  let compiled = try #require(object["speedup_compiled"] as? [String: Double])
  let ratio = try #require(compiled["anchors"])
  #expect(abs(ratio - 500_000 / mine) <= 0.01 * ratio)
  #expect(compiled["encode"] == nil)
  #expect((object["speedup"] as? [String: Double])?["encode"] != nil)
  #expect(object["kernel_variant"] as? String == KernelVariant.active.rawValue)
  #expect((object["build_target"] as? String ?? "").contains(KernelVariant.buildTarget))

  let table = try CLI.run([
    "bench", "--repeat", "1", "--stages", "anchors,encode", "--compare", peer,
  ])
  #expect(table.status == 0, "\(table.stderr)")
  #expect(table.stdout.contains("kernels: \(KernelVariant.active.rawValue) (build target"))
  #expect(table.stdout.contains("compiled: torch 2.15.0 torch.compile (inductor, g++)"))
  #expect(table.stdout.contains("compiled/detkit") && table.stdout.contains("compile s"))
  let anchorsRow = try #require(
    table.stdout.split(separator: "\n").first { $0.hasPrefix("anchors") })
  #expect(anchorsRow.contains("500000.0") && anchorsRow.contains("12.3"))
  let encodeRow = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix("encode") })
  #expect(encodeRow.contains("error"))

  let old = try temporaryFile(
    #"{"tool": "torchvision", "workload": "W-FPN", "gt": 20, "threads": 2, "stages": {}}"#)
  defer { try? FileManager.default.removeItem(atPath: old) }
  let plain = try CLI.run([
    "bench", "--repeat", "1", "--stages", "anchors", "--compare", old, "--json",
  ])
  #expect(plain.status == 0, "\(plain.stderr)")
  let plainObject = try #require(
    try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])
  #expect(plainObject["speedup_compiled"] == nil)
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
