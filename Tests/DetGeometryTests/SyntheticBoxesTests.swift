import DetGeometry
import Foundation
import Testing

/// fixtures/golden/bench_gt.json, printed by tools/peer_bench.py's generator.
private struct BenchGolden: Decodable {
  struct Case: Decodable {
    var count: Int
    var image: [Int]
    var seed: UInt64
    var boxes: [[Double]]
  }
  // swift-format-ignore: AlwaysUseLowerCamelCase
  var splitmix64_seed1: [String]
  var cases: [Case]

  static func load() throws -> BenchGolden {
    var root = URL(fileURLWithPath: #filePath)
    while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path)
    {
      root.deleteLastPathComponent()
    }
    let data = try Data(contentsOf: root.appendingPathComponent("fixtures/golden/bench_gt.json"))
    return try JSONDecoder().decode(BenchGolden.self, from: data)
  }
}

@Test func splitMixMatchesThePythonGenerator() throws {
  let golden = try BenchGolden.load()
  var rng = SyntheticBoxes.SplitMix64(state: 1)
  #expect((0..<4).map { _ in String(rng.next()) } == golden.splitmix64_seed1)
}

@Test func syntheticBoxesMatchPeerBenchBitForBit() throws {
  let golden = try BenchGolden.load()
  #expect(golden.cases.count == 4)
  for c in golden.cases {
    let boxes = SyntheticBoxes.cocoLike(
      count: c.count, in: ImageSize(height: c.image[0], width: c.image[1]), seed: c.seed)
    #expect(
      boxes.values.map(\.bitPattern) == c.boxes.joined().map { Float($0).bitPattern },
      "seed \(c.seed)")
  }
}

@Test(arguments: [0, 1, 2, 3, 99] as [UInt64])
func syntheticBoxesLieInsideTheImageWithCOCOLikeSizes(seed: UInt64) {
  let image = ImageSize(height: 800, width: 1344)
  let boxes = SyntheticBoxes.cocoLike(count: 2000, in: image, seed: seed)
  #expect(boxes.count == 2000)
  var small = 0
  for b in boxes {
    #expect(b.x1 >= 0 && b.y1 >= 0 && b.x2 <= 1344 && b.y2 <= 800 && !b.isDegenerate)
    if (b.area).squareRoot() < 32 { small += 1 }
  }
  // 41% of sides are drawn below 32; the aspect factor moves a few across the line.
  #expect((700...950).contains(small), "\(small)")
  #expect(
    SyntheticBoxes.cocoLike(count: 5, in: image, seed: seed)
      == SyntheticBoxes.cocoLike(count: 5, in: image, seed: seed))
}
