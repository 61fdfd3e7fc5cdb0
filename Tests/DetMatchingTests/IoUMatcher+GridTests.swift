import DetGeometry
import DetMatching
import Foundation
import Testing

/// A random multi-level anchor grid in DESIGN.md's order (level -> row -> column -> type),
/// built independently of the library's AnchorGenerator.
func randomGrid(_ rng: inout TestRNG) -> (BoxArray, [GridAnchorIndex.Level]) {
  var boxes = BoxArray()
  var levels: [GridAnchorIndex.Level] = []
  let levelCount = Int(rng.next() % 3) + 1
  var stride: Float = [2, 4, 8][Int(rng.next() % 3)]
  let offset: Float = rng.next() % 2 == 0 ? 0 : 0.5
  for _ in 0..<levelCount {
    let rows = Int(rng.next() % 7) + 1
    let columns = Int(rng.next() % 7) + 1
    let types = Int(rng.next() % 4) + 1
    var cells: [(Float, Float)] = []
    for _ in 0..<types {
      let size = stride * [1, 2, 4][Int(rng.next() % 3)]
      let ratio: Float = [0.5, 1, 2][Int(rng.next() % 3)]
      cells.append(
        ((size / ratio.squareRoot()).rounded() / 2, (size * ratio.squareRoot()).rounded() / 2))
    }
    let start = boxes.count
    for r in 0..<rows {
      for c in 0..<columns {
        for (hw, hh) in cells {
          let cx = (Float(c) + offset) * stride
          let cy = (Float(r) + offset) * stride
          boxes.append(Box(x1: cx - hw, y1: cy - hh, x2: cx + hw, y2: cy + hh))
        }
      }
    }
    levels.append(
      .init(range: start..<boxes.count, rows: rows, columns: columns, typesPerCell: types))
    stride *= 2
  }
  return (boxes, levels)
}

/// Ground truth mixing tiny, huge, outside-the-grid boxes and exact copies of anchors.
func randomGroundTruth(_ rng: inout TestRNG, anchors: BoxArray, span: Float) -> BoxArray {
  var gt = BoxArray()
  let count = Int(rng.next() % 7)
  for _ in 0..<count {
    switch rng.next() % 6 {
    case 0: gt.append(anchors[Int(rng.next() % UInt64(anchors.count))])
    case 1:
      let x = rng.uniform(-span, 2 * span)
      let y = rng.uniform(-span, 2 * span)
      gt.append(Box(x1: x, y1: y, x2: x + rng.uniform(0.01, 0.5), y2: y + rng.uniform(0.01, 0.5)))
    case 2: gt.append(Box(x1: -5 * span, y1: -4 * span, x2: 6 * span, y2: 5 * span))
    case 3: gt.append(Box(x1: 3 * span, y1: 3 * span, x2: 3 * span + 8, y2: 3 * span + 9))
    default:
      gt.append(rng.boxes(count: 1, span: span, integer: rng.next() % 2 == 0, maxSide: span)[0])
    }
  }
  if gt.count >= 2, rng.next() % 3 == 0 { gt[1] = gt[0] }
  return gt
}

let policies: [MatchPolicy] = [
  .torchvision, .detectron2, .mmdetection, .mmdetection(minPositiveIoU: 0.3, assignsAllTies: true),
  .mmdetection(minPositiveIoU: 0, assignsAllTies: false), .detectron, .detkit,
]

/// The sparse path returns exactly the dense result: 3000 seeded cases x 7 policies.
@Test(arguments: 0..<30)
func sparseEqualsDenseOnRandomGrids(block: UInt64) throws {
  for seed in (block * 100)..<(block * 100 + 100) {
    var rng = TestRNG(seed: seed)
    let (anchors, levels) = randomGrid(&rng)
    let index = GridAnchorIndex(anchors: anchors, levels: levels)
    #expect(index.isGridAligned)
    let span = Float(40)
    let gt = randomGroundTruth(&rng, anchors: anchors, span: span)
    let regions = rng.next() % 4 == 0 ? rng.boxes(count: 2, span: span, integer: true) : BoxArray()
    let thresholds: [(Float, Float)] = [(0.7, 0.3), (0.5, 0.4), (0.5, 0.5), (0.6, 0)]
    let (high, low) = thresholds[Int(rng.next() % 4)]
    for policy in policies {
      let matcher = IoUMatcher(
        high: high, low: low, allowsLowQualityMatches: rng.next() % 4 != 0, policy: policy,
        ignoreIoFThreshold: regions.isEmpty ? nil : 0.5)
      let dense = try matcher.match(groundTruth: gt, anchors: anchors, ignoreRegions: regions)
      let sparse = try matcher.match(groundTruth: gt, in: index, ignoreRegions: regions)
      #expect(sparse == dense, "seed \(seed) policy \(policy) thresholds \(high)/\(low)")
      if sparse != dense { return }
    }
  }
}

@Test func arbitraryAnchorsFallBackToDense() throws {
  var rng = TestRNG(seed: 7)
  let (grid, levels) = randomGrid(&rng)
  var moved = grid
  moved[moved.count - 1].x1 -= 0.25
  let scattered = rng.boxes(count: 30, span: 30, integer: false)
  let gt = rng.boxes(count: 4, span: 30, integer: true)
  let matcher = IoUMatcher(high: 0.7, low: 0.3, allowsLowQualityMatches: true, policy: .torchvision)
  for (anchors, lv) in [
    (moved, levels), (scattered, [GridAnchorIndex.Level]()), (grid, Array(levels.dropLast())),
  ] {
    let index = GridAnchorIndex(anchors: anchors, levels: lv)
    #expect(!index.isGridAligned)
    #expect(
      try matcher.match(groundTruth: gt, in: index)
        == matcher.match(groundTruth: gt, anchors: anchors))
  }
  #expect(GridAnchorIndex(anchors: grid, levels: levels).isGridAligned)
}

@Test func emptyGroundTruthOnAGridIsAllBackground() throws {
  var rng = TestRNG(seed: 3)
  let (anchors, levels) = randomGrid(&rng)
  let result = try IoUMatcher(high: 0.7, low: 0.3, allowsLowQualityMatches: true)
    .match(groundTruth: BoxArray(), in: GridAnchorIndex(anchors: anchors, levels: levels))
  #expect(result.matches == [Int](repeating: -1, count: anchors.count))
}

/// Real generator grids in every compatibility mode (torchvision's uneven strides,
/// detectron2's float offsets, the +1 legacy scheme): sparse equals dense.
@Test(arguments: AnchorGenerator.Compatibility.allCases)
func sparseEqualsDenseOnGeneratedGrids(compatibility: AnchorGenerator.Compatibility) throws {
  for preset in AnchorGenerator.Preset.allCases {
    let grid = AnchorGenerator(preset: preset, compatibility: compatibility).anchors(
      for: ImageSize(height: 100, width: 164))
    let index = GridAnchorIndex(grid)
    #expect(index.isGridAligned, "\(preset) \(compatibility)")
    for seed in UInt64(0)..<20 {
      var rng = TestRNG(seed: seed)
      let gt = randomGroundTruth(&rng, anchors: grid.boxes, span: 140)
      for policy in policies {
        let matcher = IoUMatcher(high: 0.7, low: 0.3, allowsLowQualityMatches: true, policy: policy)
        #expect(
          try matcher.match(groundTruth: gt, in: index)
            == matcher.match(groundTruth: gt, anchors: grid.boxes),
          "\(preset) \(compatibility) seed \(seed) \(policy)")
      }
    }
  }
}

/// W-FPN (800x1344, 268,569 torchvision FPN anchors, tools/peer_bench.py ground truth):
/// the sparse matcher gives torchvision's box_iou + Matcher(0.7, 0.3, True) indices.
@Test(arguments: [0, 1])
func sparseMatchesTorchvisionOnWFPN(caseIndex: Int) throws {
  let c = (try Golden.load("matching_wfpn.json")["cases"] as! [[String: Any]])[caseIndex]
  let image = ImageSize(height: 800, width: 1344)
  let grid = AnchorGenerator.fpn(compatibility: .torchvision).anchors(for: image)
  #expect(grid.count == (c["anchors"] as! NSNumber).intValue)
  let gt = SyntheticBoxes.cocoLike(count: (c["gt"] as! NSNumber).intValue, in: image, seed: 1)
  var expected = [Int](repeating: -1, count: grid.count)
  for pair in c["positives"] as! [[NSNumber]] { expected[pair[0].intValue] = pair[1].intValue }
  for a in Golden.ints(c["ignored"]) { expected[a] = -2 }
  let result = try IoUMatcher(
    high: 0.7, low: 0.3, allowsLowQualityMatches: true, policy: .torchvision
  )
  .match(groundTruth: gt, in: GridAnchorIndex(grid))
  #expect(result.matches == expected)
  #expect(result.statistics.positives == (c["positives"] as! [Any]).count)
}
