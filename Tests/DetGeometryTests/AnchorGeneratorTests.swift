import DetGeometry
import Testing

@Test func presetsHaveTheDesignedLevels() {
  let fpn = AnchorGenerator.fpn()
  #expect(fpn.levels.map(\.name) == ["P2", "P3", "P4", "P5", "P6"])
  #expect(fpn.levels.map(\.stride) == [4, 8, 16, 32, 64])
  #expect(fpn.levels.map(\.size) == [32, 64, 128, 256, 512])
  #expect(fpn.typesPerCell == 3 && fpn.levels.count * fpn.typesPerCell == 15)
  let retina = AnchorGenerator.retinanet()
  #expect(retina.levels.map(\.stride) == [8, 16, 32, 64, 128])
  #expect(retina.scales == [1, 1.2599210498948732, 1.5874010519681994])
  #expect(retina.typesPerCell == 9)
  #expect(fpn.compatibility == .detectron2 && fpn.centerOffset == 0)
}

@Test func typeOrderFollowsTheMode() {
  #expect(AnchorGenerator.fpn(compatibility: .torchvision).typeOrder == .ratioMajor)
  #expect(AnchorGenerator.fpn(compatibility: .detectron2).typeOrder == .sizeMajor)
  #expect(AnchorGenerator.fpn(compatibility: .mmdetection).typeOrder == .ratioMajor)
  #expect(AnchorGenerator.fpn(compatibility: .detectronLegacy).typeOrder == .ratioMajor)
}

@Test func configurationProblemsAreNamed() {
  #expect(AnchorGenerator.fpn().configurationProblem == nil)
  var g = AnchorGenerator.fpn()
  g.aspectRatios = []
  #expect(g.configurationProblem?.contains("aspect ratio") == true)
  g = .fpn()
  g.aspectRatios = [0.5, -1]
  #expect(g.configurationProblem?.contains("-1") == true)
  g = .fpn()
  g.scales = [.nan]
  #expect(g.configurationProblem?.contains("scales") == true)
  g = .fpn()
  g.levels[2].stride = 0
  #expect(g.configurationProblem?.contains("P4") == true)
  g = .fpn()
  g.levels[0].size = .infinity
  #expect(g.configurationProblem?.contains("P2") == true)
  #expect(
    AnchorGenerator.fpn(compatibility: .torchvision, centerOffset: 0.5).configurationProblem != nil)
  #expect(
    AnchorGenerator.fpn(compatibility: .detectronLegacy, centerOffset: 0.5).configurationProblem
      != nil)
  #expect(AnchorGenerator.fpn(centerOffset: 1).configurationProblem != nil)
  #expect(
    AnchorGenerator.fpn(compatibility: .mmdetection, centerOffset: 0.5).configurationProblem == nil)
  g = .fpn(compatibility: .torchvision)
  g.scales = [0.01]
  #expect(g.configurationProblem?.contains("truncates") == true)
}

@Test func anchorCountMatchesTheGridAndReportsOverflow() {
  let g = AnchorGenerator.fpn()
  #expect(g.anchorCount(for: ImageSize(height: 800, width: 1344)) == 268_569)
  #expect(
    g.anchorCount(for: ImageSize(height: 37, width: 53)) == 3
      * (10 * 14 + 5 * 7 + 3 * 4 + 2 * 2 + 1))
  #expect(g.anchorCount(for: ImageSize(height: Int.max / 2, width: Int.max / 2)) == nil)
  #expect(g.gridSize(ofLevel: 1, for: ImageSize(height: 513, width: 771)) == (65, 97))
}
