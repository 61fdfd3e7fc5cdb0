import DetGeometry
import Foundation
import Testing

// Goldens by tools/golden_anchor_snippets.py: the snippet text `detkit anchors
// --print-snippet` printed, executed in Python to build torchvision's / detectron2's /
// mmdetection's own anchor generator, and the grid that generator builds.

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent()
private let configs = root.appendingPathComponent("fixtures/anchor_snippets")
private let goldens = root.appendingPathComponent("fixtures/golden/anchor_snippets")
private let configNames = ["fitted", "fpn", "retinanet", "shared"]
private let frameworks = AnchorGenerator.Framework.allCases

private struct SnippetGolden: Decodable {
  struct Small: Decodable {
    var image: [Int]
    var count: Int
    var boxes: [[Double]]
  }
  struct Large: Decodable {
    var image: [Int]
    var count: Int
    var fnv1a: String
  }
  var config: String
  var framework: String
  var expressible: Bool
  var small: Small?
  var large: Large?

  init(config: String, framework: AnchorGenerator.Framework) throws {
    let url = goldens.appendingPathComponent("\(config).\(framework.rawValue).json")
    self = try JSONDecoder().decode(Self.self, from: Data(contentsOf: url))
  }
}

/// The configuration file with the framework's arithmetic (`--compat FRAMEWORK`).
private func generator(_ config: String, _ framework: AnchorGenerator.Framework) throws
  -> AnchorGenerator
{
  var g = try AnchorGenerator(
    contentsOfConfiguration: configs.appendingPathComponent("\(config).json").path)
  g.compatibility =
    switch framework {
    case .torchvision: .torchvision
    case .detectron2: .detectron2
    case .mmdetection: .mmdetection
    }
  return g
}

/// FNV-1a 64 over the float32 bit patterns, as tools/golden_anchor_snippets.py hashes them.
private func fnv1a(_ values: [Float]) -> String {
  var h: UInt64 = 0xCBF2_9CE4_8422_2325
  for v in values { h = (h ^ UInt64(v.bitPattern)) &* 0x100_0000_01B3 }
  let hex = String(h, radix: 16)
  return String(repeating: "0", count: 16 - hex.count) + hex
}

@Test(arguments: configNames, frameworks)
func printedSnippetIsTheCommittedOne(config: String, framework: AnchorGenerator.Framework)
  throws
{
  let committed = try String(
    contentsOf: configs.appendingPathComponent("\(config).\(framework.rawValue).txt"),
    encoding: .utf8)
  let printed = try CLI.run([
    "anchors", "--anchor-config", configs.appendingPathComponent("\(config).json").path,
    "--compat", framework.rawValue, "--print-snippet", framework.rawValue,
  ])
  #expect(printed.status == 0, "\(printed.stderr)")
  #expect(printed.stdout == committed, "\(config) \(framework): the golden's snippet drifted")
}

@Test(arguments: configNames, frameworks)
func frameworkBuildsDetkitsGridFromTheSnippet(
  config: String, framework: AnchorGenerator.Framework
) throws {
  let golden = try SnippetGolden(config: config, framework: framework)
  let g = try generator(config, framework)
  let snippet = g.snippet(for: framework)
  #expect(snippet.expressible == golden.expressible)
  guard golden.expressible else {
    #expect(snippet.text.contains("NOT EXPRESSIBLE"))
    return
  }
  let small = try #require(golden.small)
  let grid = g.anchors(for: ImageSize(height: small.image[0], width: small.image[1]))
  #expect(grid.count == small.count)
  // Bit for bit: each framework's float32 arithmetic is what detkit's compat mode
  // reproduces. One exception: an mmdetection snippet with per-level `base_sizes` (sizes
  // not a shared multiple of the strides). mmdetection then computes the extents as
  // `base_size x w_ratio x scale` in float32 where detkit's mmdetection mode computes
  // `stride x w_ratio x (size / stride)`: the same real number rounded in another order,
  // each way within ~2 float32 ulps of the largest extent (here 105 x 1.5 = 158 px, ulp
  // 1.5e-5 px), and the grid shift adds no error of its own. Tolerance 1e-4 px bounds that
  // with room; measured: at most 7.6e-6 px, in 282 of 1,032 coordinates.
  let tolerance: Float = snippet.text.contains("base_sizes=") ? 1e-4 : 0
  let values = grid.boxes.values
  var worst: Float = 0
  for (i, box) in small.boxes.enumerated() where i < grid.count {
    for c in 0..<4 {
      let theirs = Float(box[c])
      #expect(Double(theirs) == box[c], "golden value \(box[c]) is not a float32")
      worst = max(worst, abs(values[4 * i + c] - theirs))
    }
  }
  #expect(worst <= tolerance, "\(config) \(framework): largest difference \(worst) px")
  let large = try #require(golden.large)
  let big = g.anchors(for: ImageSize(height: large.image[0], width: large.image[1]))
  #expect(big.count == large.count)
  // The hash pins every bit; with a tolerance only the count can be compared.
  if tolerance == 0 {
    #expect(fnv1a(big.boxes.values) == large.fnv1a, "\(config) \(framework) \(large.image)")
  }
}

@Test func printSnippetUsageErrors() throws {
  for extra in [
    ["--print-snippet", "torchvision", "--image", "64x64"],
    ["--print-snippet", "torchvision", "--print-config"],
    ["--print-snippet", "tensorflow"],
  ] {
    let result = try CLI.run(["anchors", "--preset", "fpn"] + extra)
    #expect(result.status == 64, "\(extra): \(result.stderr)")
  }
  let mm = try CLI.run(["anchors", "--preset", "retinanet", "--print-snippet", "mmdetection"])
  #expect(mm.status == 0 && mm.stdout.contains("anchor_generator=dict("))
}
