import DetGeometry
import DetMatching
import DetPipeline
import DetTensorIO
import Foundation
import Testing

/// Targets the long way: torchvision's RetinaNet matcher written out (0.5 / 0.4, low-quality
/// matches) on the dense path, labels and `BoxCoder()` deltas of the positives.
private func expectedTargets(
  _ image: PipelineImage, grid: AnchorGrid, high: Float, low: Float
) throws -> (matches: [Int], labels: [Int], deltas: [Float]) {
  let result = try IoUMatcher(
    high: high, low: low, allowsLowQualityMatches: true, policy: .torchvision
  )
  .match(groundTruth: image.boxes, anchors: grid.boxes)
  let labels = result.matches.map { $0 >= 0 ? image.labels[$0] : $0 }
  var deltas = [Float](repeating: 0, count: 4 * grid.count)
  for (i, m) in result.matches.enumerated() where m >= 0 {
    let d = BoxCoder().encode(
      BoxArray([image.boxes[m]]), relativeTo: BoxArray([grid.boxes[i]]))
    deltas.replaceSubrange(4 * i..<4 * i + 4, with: d)
  }
  return (result.matches, labels, deltas)
}

/// Each preset's targets equal its detector's matcher (RPN 0.7 / 0.3, RetinaNet 0.5 / 0.4)
/// run densely, on every demo image.
@Test(arguments: [("fpn", Float(0.7), Float(0.3)), ("retinanet", 0.5, 0.4)])
func targetsFollowThePresetsMatcher(preset: String, high: Float, low: Float) throws {
  let demo = try DemoStore()
  let walker = try DatasetWalker(db: demo.db, name: "demo", resize: .torchvision)
  let p = AnchorGenerator.Preset(rawValue: preset)!
  let generator = AnchorGenerator(preset: p, compatibility: .torchvision)
  var images = 0
  try DatasetTargets(
    walker: walker, generator: generator, assignment: TargetAssignment(preset: p)
  )
  .forEachImage { image, grid, targets in
    let want = try! expectedTargets(image, grid: grid, high: high, low: low)
    #expect(targets.matches == want.matches)
    #expect(targets.labels == want.labels)
    #expect(targets.boxTargets == want.deltas)
    images += 1
  }
  #expect(images == 12)
}

/// With crowd ignore regions, an anchor lying inside the crowd box (IoF 1) is ignored unless
/// it is positive; without them it is not ignored for that reason.
@Test func crowdBoxesIgnoreTheAnchorsInside() throws {
  let demo = try DemoStore()
  let walker = try DatasetWalker(db: demo.db, name: "demo", resize: .torchvision)
  let image = try walker.image(id: .int(100))  // the demo's one crowd region
  let crowd = try #require(image.crowd.first)
  let grid = AnchorGenerator(preset: .retinanet, compatibility: .torchvision).anchors(
    for: image.canvas)
  let index = GridAnchorIndex(grid)
  let plain = try TargetAssignment(preset: .retinanet).targets(
    of: image, grid: grid, index: index)
  let ignoring = try TargetAssignment(preset: .retinanet, ignoreCrowdIoF: 0.5).targets(
    of: image, grid: grid, index: index)
  var inside = 0
  for i in 0..<grid.count {
    let a = grid.boxes[i]
    let contained = a.x1 >= crowd.x1 && a.y1 >= crowd.y1 && a.x2 <= crowd.x2 && a.y2 <= crowd.y2
    guard contained, plain.matches[i] < 0 else { continue }
    inside += 1
    #expect(ignoring.matches[i] == MatchLabel.ignore, "anchor \(i)")
  }
  #expect(inside > 0)
  #expect(ignoring.statistics.ignored > plain.statistics.ignored)
}

/// The folder and the safetensors outputs hold the same tensors, and those are the
/// per-image targets.
@Test func datasetTargetsWriteFolderAndArchiveAlike() throws {
  let demo = try DemoStore()
  let walker = try DatasetWalker(db: demo.db, name: "demo", resize: .torchvision)
  let run = DatasetTargets(
    walker: walker, generator: AnchorGenerator(preset: .fpn, compatibility: .torchvision),
    assignment: TargetAssignment(preset: .fpn))
  let folder = demo.path("targets")
  let archive = demo.path("targets.safetensors")
  let a = try run.write(to: folder.path)
  let b = try run.write(to: archive.path, metadata: ["preset": "fpn"])
  #expect(a == b)
  #expect(a.images == 12)
  let file = try SafetensorsFile.read(contentsOf: archive)
  var positives = 0
  try run.forEachImage { image, _, targets in
    let key = image.record.id.description
    positives += targets.statistics.positives
    let matches = try! NPYFile.read(contentsOf: folder.appendingPathComponent("\(key).matches.npy"))
    #expect(try! matches.asInt64() == targets.matches.map(Int64.init))
    #expect(try! file["\(key)/matches"]!.asInt64() == targets.matches.map(Int64.init))
    #expect(try! file["\(key)/labels"]!.asInt64() == targets.labels.map(Int64.init))
    #expect(try! file["\(key)/box_targets"]!.asFloat32() == targets.boxTargets)
  }
  #expect(positives == a.positives)
}
