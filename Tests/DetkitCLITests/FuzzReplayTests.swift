import Foundation
import Testing

/// Replays every fuzz seed and past finding (fixtures/fuzz/<target>/, plus the fixtures the
/// target's corpus starts from) through each harness built normally, then a few thousand
/// seeded mutations of them: a crash found by tools/fuzz.sh is added to fixtures/fuzz/ and
/// stays a regression test here.
struct FuzzReplayTests {
  /// Harness product, its fixtures/fuzz folder and the other seed folders tools/fuzz.sh uses.
  static let harnesses: [(product: String, seeds: [String])] = [
    ("FuzzNPY", ["fixtures/fuzz/npy", "fixtures/golden/tensorio"]),
    ("FuzzSafetensors", ["fixtures/fuzz/safetensors", "fixtures/golden/tensorio"]),
    ("FuzzCOCO", ["fixtures/fuzz/coco", "fixtures/demo"]),
    ("FuzzVOC", ["fixtures/fuzz/voc"]),
    ("FuzzYOLO", ["fixtures/fuzz/yolo"]),
    ("FuzzYOLONames", ["fixtures/fuzz/yolo-names"]),
    ("FuzzImageHeader", ["fixtures/fuzz/image", "fixtures/images"]),
  ]

  @Test(arguments: harnesses.map(\.product))
  func harnessSurvivesItsSeedsAndMutations(product: String) throws {
    let seeds = try #require(Self.harnesses.first { $0.product == product }).seeds
    let harness = CLI.executable.deletingLastPathComponent().appendingPathComponent(product)
    let arguments =
      seeds.map { StoreFixtures.packageRoot.appendingPathComponent($0).path }
      + [
        "-runs=\(product == "FuzzNPY" || product == "FuzzSafetensors" ? 3000 : 300)",
        "-seed=20261129",
      ]
    let result = try CLI.run(arguments, program: harness)
    let message = result.stderr
    #expect(result.status == 0, "\(message)")
    #expect(message.contains("mutations run"), "\(message)")
  }
}
