import DetGeometry
import Foundation
import Testing

/// fixtures/golden/anchors.json (tools/golden_anchors.py): torchvision's AnchorGenerator run
/// for real; detectron2, mmdetection and Detectron re-implemented and checked against
/// REFERENCE.md's verified vectors. Comparisons are bit for bit.
private struct AnchorGolden: Decodable {
  struct Level: Decodable {
    var name: String
    var rows: Int
    var columns: Int
    var strideY: Int
    var strideX: Int
    var start: Int
    var end: Int
    var offset: Double
    var cellAnchors: [[Double]]?
  }
  struct Case: Decodable, CustomStringConvertible {
    var preset: String
    var compat: String
    var image: [Int]
    var offset: Double
    var scaleMajor: Bool
    var count: Int
    var fnv1a: String
    var levels: [Level]
    var samples: [[Double]]
    var boxes: [[Double]]?

    var description: String { "\(preset) \(compat) offset \(offset) on \(image[0])x\(image[1])" }

    var generator: AnchorGenerator {
      let compatibility = AnchorGenerator.Compatibility(rawValue: compat)!
      var g: AnchorGenerator
      switch preset {
      case "fpn": g = .fpn(compatibility: compatibility, centerOffset: offset)
      case "retinanet": g = .retinanet(compatibility: compatibility, centerOffset: offset)
      default:
        g = AnchorGenerator(
          levels: [
            .init(name: "L0", stride: 12, size: 45), .init(name: "L1", stride: 16, size: 90),
          ],
          aspectRatios: [0.5, 1, 3], scales: [1, 1.5], centerOffset: offset,
          compatibility: compatibility)
      }
      g.scaleMajor = scaleMajor
      return g
    }
  }
  var cases: [Case]

  static let shared: AnchorGolden = {
    var root = URL(fileURLWithPath: #filePath)
    while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path)
    {
      root.deleteLastPathComponent()
    }
    let data = try! Data(contentsOf: root.appendingPathComponent("fixtures/golden/anchors.json"))
    return try! JSONDecoder().decode(AnchorGolden.self, from: data)
  }()
}

/// FNV-1a 64 over the float32 bit patterns taken as 32-bit words (as the script does).
private func fnv1a(_ boxes: BoxArray) -> String {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  for v in boxes.values { h = (h ^ UInt64(v.bitPattern)) &* 0x100_0000_01b3 }
  let hex = String(h, radix: 16)
  return String(repeating: "0", count: 16 - hex.count) + hex
}

private func bits(_ values: some Sequence<Double>) -> [UInt32] {
  values.map { Float($0).bitPattern }
}

@Test func goldenFileCoversEveryModeAndImage() {
  let cases = AnchorGolden.shared.cases
  #expect(cases.count == 60)
  for mode in AnchorGenerator.Compatibility.allCases {
    #expect(cases.contains { $0.compat == mode.rawValue && $0.image == [800, 1344] })
  }
  #expect(cases.filter { $0.boxes != nil }.count >= 5)
}

@Test(arguments: 0..<60)
func gridMatchesPeerBitForBit(caseIndex: Int) throws {
  let c = AnchorGolden.shared.cases[caseIndex]
  let grid = c.generator.anchors(for: ImageSize(height: c.image[0], width: c.image[1]))
  #expect(grid.count == c.count, "\(c)")
  #expect(fnv1a(grid.boxes) == c.fnv1a, "\(c)")
  try #require(grid.levels.count == c.levels.count)
  for (mine, peer) in zip(grid.levels, c.levels) {
    #expect(mine.name == peer.name)
    #expect(mine.rows == peer.rows && mine.columns == peer.columns, "\(c) \(peer.name)")
    #expect(
      mine.strideY == Float(peer.strideY) && mine.strideX == Float(peer.strideX),
      "\(c) \(peer.name)")
    #expect(mine.range == peer.start..<peer.end, "\(c) \(peer.name)")
    #expect(mine.centerOffset == Float(peer.offset), "\(c) \(peer.name)")
    if let cell = peer.cellAnchors {
      #expect(mine.cellAnchors.values.map(\.bitPattern) == bits(cell.joined()), "\(c) \(peer.name)")
    }
  }
  for sample in c.samples {
    let i = Int(sample[0])
    #expect(
      grid.boxes.values[4 * i..<4 * i + 4].map(\.bitPattern) == bits(sample[1...]), "\(c) #\(i)")
  }
  if let boxes = c.boxes {
    #expect(grid.boxes.values.map(\.bitPattern) == bits(boxes.joined()), "\(c)")
  }
}

@Test func wFPNCountsAndLevelSizes() {
  let image = ImageSize(height: 800, width: 1344)
  for mode in AnchorGenerator.Compatibility.allCases {
    let fpn = AnchorGenerator.fpn(compatibility: mode).anchors(for: image)
    #expect(fpn.count == 268_569)
    #expect(
      fpn.levels.map { [$0.rows, $0.columns] } == [
        [200, 336], [100, 168], [50, 84], [25, 42], [13, 21],
      ])
    let retina = AnchorGenerator.retinanet(compatibility: mode).anchors(for: image)
    #expect(retina.count == 201_600)
    #expect(
      retina.levels.map { [$0.rows, $0.columns] } == [
        [100, 168], [50, 84], [25, 42], [13, 21], [7, 11],
      ])
    #expect(retina.levels.map(\.name) == ["P3", "P4", "P5", "P6", "P7"])
  }
}

@Test func torchvisionStrideQuirkOnThePaddedCOCOImage() {
  let grid = AnchorGenerator.retinanet(compatibility: .torchvision)
    .anchors(for: ImageSize(height: 800, width: 1344))
  let p6 = grid.levels[3]
  let p7 = grid.levels[4]
  #expect((p6.strideY, p6.strideX) == (61, 64))
  #expect((p7.strideY, p7.strideX) == (114, 122))
  // REFERENCE §1: the second P7 location is shifted by x = 122, the second row by y = 114.
  let first = grid.boxes[p7.index(y: 0, x: 0, type: 0)]
  let right = grid.boxes[p7.index(y: 0, x: 1, type: 0)]
  let below = grid.boxes[p7.index(y: 1, x: 0, type: 0)]
  #expect(right.x1 - first.x1 == 122 && below.y1 - first.y1 == 114)
  let d2 = AnchorGenerator.retinanet().anchors(for: ImageSize(height: 800, width: 1344))
  #expect((d2.levels[4].strideY, d2.levels[4].strideX) == (128, 128))
}

/// REFERENCE.md TV1: a 2x2 map on a 64x64 image, size 16, ratio 1.
@Test func torchvisionTwoByTwoGridVector() {
  let g = AnchorGenerator(
    levels: [.init(name: "P5", stride: 32, size: 16)], aspectRatios: [1],
    compatibility: .torchvision)
  let grid = g.anchors(for: ImageSize(height: 64, width: 64))
  #expect(grid.boxes.values == [-8, -8, 8, 8, 24, -8, 40, 8, -8, 24, 8, 40, 24, 24, 40, 40])
}

@Test func emptyAndTinyImagesGiveOneCellPerLevel() {
  let grid = AnchorGenerator.retinanet().anchors(for: ImageSize(height: 1, width: 1))
  #expect(grid.count == 45)
  #expect(grid.levels.allSatisfy { $0.rows == 1 && $0.columns == 1 })
}

/// The parallel path (large grids) and the serial path (small grids) agree: a large grid's
/// first rows equal the grid of a small image that has the same first rows.
@Test func parallelAndSerialPathsAgree() {
  let g = AnchorGenerator.fpn(compatibility: .mmdetection, centerOffset: 0.5)
  let big = g.anchors(for: ImageSize(height: 800, width: 1344))
  let small = AnchorGenerator(
    levels: [g.levels[0]], aspectRatios: g.aspectRatios, centerOffset: 0.5,
    compatibility: .mmdetection
  ).anchors(for: ImageSize(height: 8, width: 1344))
  #expect(Array(big.boxes.values[0..<small.boxes.values.count]) == small.boxes.values)
}
