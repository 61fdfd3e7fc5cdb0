import DetGeometry
import DetMatching
import DetPipeline
import Foundation
import Testing

/// A configuration with its own sizes and ratios per level (three types each).
private let perLevel = AnchorGenerator(
  levels: [
    .init(name: "P3", stride: 8, size: 20, sizes: [20], aspectRatios: [0.25, 1, 4]),
    .init(name: "P4", stride: 16, size: 48, sizes: [48, 64, 80], aspectRatios: [1]),
    .init(name: "P5", stride: 32, size: 160, sizes: [160], aspectRatios: [0.5, 1, 3]),
  ], aspectRatios: [1], scales: [1], compatibility: .torchvision)

/// The grid cache builds a configuration's grids (per-level sizes and ratios), not only a
/// preset's: each canvas's anchors are the generator's, level by level.
@Test func gridCacheBuildsAConfigurationsGrid() throws {
  let demo = try DemoStore()
  let walker = try DatasetWalker(db: demo.db, name: "demo", resize: .torchvision)
  let generator = try AnchorGenerator(
    configurationJSON: Data(perLevel.configurationJSON.utf8), source: "per-level")
  var cache = GridCache(generator)
  var images = 0
  try walker.forEachImage { image throws(PipelineError) in
    let (grid, _) = try cache.grid(for: image)
    let direct = generator.anchors(for: image.canvas)
    #expect(grid.boxes == direct.boxes)
    #expect(grid.levels.map(\.typesPerCell) == [3, 3, 3])
    // P3's first cell anchor has ratio 1/4: four times as wide as high.
    let first = grid.levels[0].cellAnchors[0]
    #expect(first.width == 4 * first.height)
    images += 1
  }
  #expect(images > 0)
}

/// Coverage and targets on a preset's printed configuration equal those on the preset.
@Test(arguments: AnchorGenerator.Preset.allCases)
func pipelineOnAPrintedPresetEqualsThePreset(preset: AnchorGenerator.Preset) throws {
  let demo = try DemoStore()
  let walker = try DatasetWalker(db: demo.db, name: "demo", resize: .torchvision)
  let direct = AnchorGenerator(preset: preset, compatibility: .torchvision)
  let loaded = try AnchorGenerator(
    configurationJSON: Data(direct.configurationJSON.utf8), source: "printed")
  let matcher = IoUMatcher.preset(preset)
  #expect(
    try AnchorCoverage(of: walker, generator: loaded, matcher: matcher)
      == AnchorCoverage(of: walker, generator: direct, matcher: matcher))
  var expected: [[Int]] = []
  try DatasetTargets(
    walker: walker, generator: direct, assignment: TargetAssignment(preset: preset)
  ).forEachImage { _, _, t throws(PipelineError) in expected.append(t.matches) }
  var got: [[Int]] = []
  try DatasetTargets(
    walker: walker, generator: loaded, assignment: TargetAssignment(matcher: matcher)
  ).forEachImage { _, _, t throws(PipelineError) in got.append(t.matches) }
  #expect(got == expected && !got.isEmpty)
}
