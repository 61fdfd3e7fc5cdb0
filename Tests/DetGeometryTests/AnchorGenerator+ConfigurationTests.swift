import DetGeometry
import Foundation
import Testing

/// The first flat index where two grids differ in bit pattern (so `-0` vs `0` and the last
/// ulp count), the count if one is a prefix of the other, or `nil` when they are identical.
/// (A plain `#expect(a == b)` on million-element arrays would make a failure's diff slow.)
private func firstDifference(_ a: AnchorGrid, _ b: AnchorGrid) -> Int? {
  let x = a.boxes.values.map(\.bitPattern)
  let y = b.boxes.values.map(\.bitPattern)
  if let i = x.indices.first(where: { $0 < y.count && x[$0] != y[$0] }) { return i }
  return x.count == y.count ? nil : min(x.count, y.count)
}

private func load(_ text: String) throws(AnchorConfigurationError) -> AnchorGenerator {
  try AnchorGenerator(configurationJSON: Data(text.utf8), source: "test.json")
}

private let canvases = [
  ImageSize(height: 800, width: 1344), ImageSize(height: 37, width: 53),
  ImageSize(height: 512, width: 512), ImageSize(height: 333, width: 1000),
]

@Test(
  arguments: AnchorGenerator.Preset.allCases, AnchorGenerator.Compatibility.allCases)
func printedPresetReloadsToTheSameGridBitForBit(
  preset: AnchorGenerator.Preset, mode: AnchorGenerator.Compatibility
) throws {
  var offsets: [Double] = [0]
  if mode == .detectron2 || mode == .mmdetection { offsets.append(0.5) }
  for offset in offsets {
    let original = AnchorGenerator(preset: preset, compatibility: mode, centerOffset: offset)
    let reloaded = try load(original.configurationJSON)
    #expect(reloaded.compatibility == mode && reloaded.centerOffset == offset)
    for canvas in canvases {
      let a = original.anchors(for: canvas)
      let b = reloaded.anchors(for: canvas)
      #expect(firstDifference(a, b) == nil, "\(preset) \(mode) offset \(offset) \(canvas)")
      #expect(a.levels == b.levels)
    }
    // config -> generator -> config is a fixed point.
    #expect(reloaded.configurationJSON == original.configurationJSON)
  }
}

@Test func mmdetectionScaleMajorFalseSurvivesTheRoundTrip() throws {
  var g = AnchorGenerator.retinanet(compatibility: .mmdetection)
  g.scaleMajor = false
  let reloaded = try load(g.configurationJSON)
  #expect(reloaded.typeOrder == .sizeMajor)
  #expect(firstDifference(reloaded.anchors(for: canvases[1]), g.anchors(for: canvases[1])) == nil)
}

@Test func presetConfigStatesTheDesignedNumbers() throws {
  let object = try #require(
    try JSONSerialization.jsonObject(
      with: Data(AnchorGenerator.retinanet().configurationJSON.utf8)) as? [String: Any])
  #expect(object["compat"] as? String == "detectron2")
  #expect(object["version"] as? Int == 1)
  let levels = try #require(object["levels"] as? [[String: Any]])
  #expect(levels.map { $0["stride"] as? Int } == [8, 16, 32, 64, 128])
  #expect(levels.map { $0["name"] as? String } == ["P3", "P4", "P5", "P6", "P7"])
  // detectron2's RetinaNet config: [x, x * 2 ** (1/3), x * 2 ** (2/3)] for x = 32.
  let sizes = try #require(levels[0]["sizes"] as? [Double])
  #expect(sizes == [32, 32 * pow(2, 1.0 / 3), 32 * pow(2, 2.0 / 3)])
  #expect(levels[4]["aspectRatios"] as? [Double] == [0.5, 1, 2])
  let legacy = AnchorGenerator.fpn(compatibility: .detectronLegacy).configurationJSON
  #expect(legacy.contains("\"compat\": \"detectron-legacy\""))
}

@Test func perLevelSizesAndRatiosReachTheCellAnchors() throws {
  let g = try load(
    """
    {"compat": "detectron2", "levels": [
      {"stride": 8, "sizes": [16], "aspectRatios": [4]},
      {"stride": 16, "sizes": [64], "aspectRatios": [1]}
    ]}
    """)
  #expect(g.levels.map(\.name) == ["P3", "P4"])
  // ratio 4 = height / width on area 16²: width 8, height 32.
  #expect(g.cellAnchors(ofLevel: 0).values == [-4, -16, 4, 16])
  #expect(g.cellAnchors(ofLevel: 1).values == [-32, -32, 32, 32])
  let grid = g.anchors(for: ImageSize(height: 16, width: 16))
  #expect(grid.count == 4 + 1)
  // Cell (1, 1) of P3 is shifted by 8 on both axes.
  #expect(grid.boxes[3] == Box(x1: 4, y1: -8, x2: 12, y2: 24))
}

@Test func torchvisionTruncatesAConfiguredSizeLikeItsOwnSizes() throws {
  // torchvision: int(45.9) = 45; half-extents 22.5 round half to even to 22.
  let g = try load(
    """
    {"compat": "torchvision", "levels": [{"stride": 16, "sizes": [45.9], "aspectRatios": [1]}]}
    """)
  #expect(g.cellAnchors(ofLevel: 0).values == [-22, -22, 22, 22])
}

@Test func defaultsAreOffsetZeroAndScaleMajor() throws {
  let g = try load(
    """
    {"compat": "mmdetection", "levels": [{"name": "x", "stride": 4, "sizes": [8], "aspectRatios": [1, 2]}]}
    """)
  #expect(g.centerOffset == 0 && g.scaleMajor && g.levels[0].name == "x")
}

/// (document, JSON path, code) of every validation the loader makes.
private let badDocuments: [(String, String, AnchorConfigurationError.Code)] = [
  ("{", "$", .malformedJSON),
  ("[]", "$", .wrongType),
  (#"{"levels": []}"#, "$.compat", .missingKey),
  (#"{"compat": "detectron2"}"#, "$.levels", .missingKey),
  (#"{"compat": "detectron2", "levels": []}"#, "$.levels", .invalidValue),
  (#"{"compat": "caffe", "levels": [\#(level(8))]}"#, "$.compat", .invalidValue),
  (#"{"compat": 2, "levels": [\#(level(8))]}"#, "$.compat", .wrongType),
  (#"{"compat": "detectron2", "levels": [\#(level(8))], "ofset": 0.5}"#, "$.ofset", .unknownKey),
  (#"{"compat": "detectron2", "levels": {}}"#, "$.levels", .wrongType),
  (#"{"compat": "detectron2", "levels": [\#(level(8)), 3]}"#, "$.levels[1]", .wrongType),
  (
    #"{"compat": "detectron2", "levels": [{"stride": 8, "aspectRatios": [1]}]}"#,
    "$.levels[0].sizes", .missingKey
  ),
  (
    #"{"compat": "detectron2", "levels": [{"stride": 8, "sizes": [], "aspectRatios": [1]}]}"#,
    "$.levels[0].sizes", .invalidValue
  ),
  (
    #"{"compat": "detectron2", "levels": [{"stride": 8, "sizes": [32], "aspectRatios": []}]}"#,
    "$.levels[0].aspectRatios", .invalidValue
  ),
  (
    #"{"compat": "detectron2", "levels": [{"stride": 8, "sizes": [32, -4], "aspectRatios": [1]}]}"#,
    "$.levels[0].sizes[1]", .invalidValue
  ),
  (
    #"{"compat": "detectron2", "levels": [{"stride": 8, "sizes": [0], "aspectRatios": [1]}]}"#,
    "$.levels[0].sizes[0]", .invalidValue
  ),
  (
    #"{"compat": "detectron2", "levels": [{"stride": 8, "sizes": [1e400], "aspectRatios": [1]}]}"#,
    "$", .malformedJSON
  ),
  (
    #"{"compat": "detectron2", "levels": [{"stride": 8, "sizes": [32], "aspectRatios": [1, 0]}]}"#,
    "$.levels[0].aspectRatios[1]", .invalidValue
  ),
  (
    #"{"compat": "detectron2", "levels": [{"stride": 8, "sizes": ["32"], "aspectRatios": [1]}]}"#,
    "$.levels[0].sizes[0]", .wrongType
  ),
  (
    #"{"compat": "detectron2", "levels": [{"stride": 8, "sizes": 32, "aspectRatios": [1]}]}"#,
    "$.levels[0].sizes", .wrongType
  ),
  (
    #"{"compat": "detectron2", "levels": [{"stride": 8.5, "sizes": [32], "aspectRatios": [1]}]}"#,
    "$.levels[0].stride", .invalidValue
  ),
  (
    #"{"compat": "detectron2", "levels": [{"stride": 0, "sizes": [32], "aspectRatios": [1]}]}"#,
    "$.levels[0].stride", .invalidValue
  ),
  (
    #"{"compat": "detectron2", "levels": [\#(level(16)), \#(level(8))]}"#, "$.levels[1].stride",
    .invalidValue
  ),
  (
    #"{"compat": "detectron2", "levels": [\#(level(8)), \#(level(8))]}"#, "$.levels[1].stride",
    .invalidValue
  ),
  (
    #"{"compat": "detectron2", "levels": [\#(level(8)), {"stride": 16, "sizes": [32, 64], "aspectRatios": [1]}]}"#,
    "$.levels[1]", .invalidValue
  ),
  (
    #"{"compat": "torchvision", "offset": 0.5, "levels": [\#(level(8))]}"#, "$.offset",
    .invalidValue
  ),
  (#"{"compat": "detectron2", "offset": 1, "levels": [\#(level(8))]}"#, "$.offset", .invalidValue),
  (#"{"compat": "detectron2", "offset": "0", "levels": [\#(level(8))]}"#, "$.offset", .wrongType),
  (
    #"{"compat": "mmdetection", "scaleMajor": 1, "levels": [\#(level(8))]}"#, "$.scaleMajor",
    .wrongType
  ),
  (
    #"{"version": 2, "compat": "detectron2", "levels": [\#(level(8))]}"#, "$.version", .invalidValue
  ),
  (
    #"{"compat": "torchvision", "levels": [{"stride": 8, "sizes": [0.5], "aspectRatios": [1]}]}"#,
    "$", .invalidValue
  ),
]

private func level(_ stride: Int) -> String {
  #"{"stride": \#(stride), "sizes": [32], "aspectRatios": [0.5, 1, 2]}"#
}

@Test(arguments: badDocuments.indices)
func invalidConfigurationsAreRejectedWithTheirPath(index: Int) {
  let (text, path, code) = badDocuments[index]
  do {
    _ = try load(text)
    Issue.record("accepted: \(text)")
  } catch {
    #expect(error.path == path, "\(text)")
    #expect(error.code == code, "\(text): \(error)")
    #expect(error.source == "test.json")
    #expect(error.description.hasPrefix("test.json: \(path): "))
  }
}

@Test func unreadableFileIsNamed() {
  let path = "/nonexistent-\(UUID())/anchors.json"
  #expect {
    _ = try AnchorGenerator(contentsOfConfiguration: path)
  } throws: { error in
    (error as? AnchorConfigurationError)?.code == .unreadable
      && "\(error)".hasPrefix(path)
  }
}

@Test func aLevelWithItsOwnSizesCountsItsOwnTypes() {
  var g = AnchorGenerator.fpn()
  g.levels[0].sizes = [16, 24]
  g.levels[0].aspectRatios = [1]
  #expect(g.typesPerCell(ofLevel: 0) == 2 && g.typesPerCell(ofLevel: 1) == 3)
  #expect(g.sizes(ofLevel: 0) == [16, 24] && g.sizes(ofLevel: 1) == [64])
  let image = ImageSize(height: 64, width: 64)
  #expect(g.anchorCount(for: image) == 2 * 16 * 16 + 3 * (8 * 8 + 4 * 4 + 2 * 2 + 1))
  #expect(g.anchors(for: image).count == g.anchorCount(for: image))
  g.levels[1].sizes = []
  #expect(g.configurationProblem?.contains("P3") == true)
}
