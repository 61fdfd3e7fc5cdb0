import DetGeometry
import Testing

@testable import DetMatching

@Test(arguments: [
  (31.9 * 31.9, 0), (1024.0, 1), (95.9 * 95.9, 1), (9216.0, 2),
])
func cocoBucketsSplitAt32And96Squared(area: Double, bucket: Int) {
  #expect(AnchorCoverage.bucket(area: area) == bucket)
}

@Test(arguments: [
  (7.99, 0), (8.0, 1), (15.99, 1), (16.0, 2), (32.0, 3), (100.0, 4), (255.9, 5), (256.0, 6),
  (511.9, 6), (512.0, 7),
  (5000.0, 7),
])
func log2BinsFollowTheSide(side: Double, bin: Int) {
  #expect(AnchorCoverage.bin(area: side * side) == bin, "side \(side)")
  #expect(AnchorCoverage.binNames.count == 8)
}

@Test func rowFiguresFromAHandMadeSet() {
  var row = AnchorCoverage.Row(name: "x", levels: 2)
  row.add(bestIoU: 0.75, positivesPerLevel: [2, 1])
  row.add(bestIoU: 0.5, positivesPerLevel: [0, 0])
  row.add(bestIoU: 0.25, positivesPerLevel: [0, 5])
  row.add(bestIoU: 0.7, positivesPerLevel: [1, 0])
  #expect(row.count == 4)
  #expect(row.share05 == 0.75)
  #expect(row.share07 == 0.5)
  #expect(row.meanBestIoU == (1.5 + Double(Float(0.7))) / 4)  // Float IoUs summed in Double
  #expect(row.positivesMean == 9.0 / 4)
  #expect(row.positivesMedian == 2)  // counts 0, 1, 3, 5
  #expect(row.shareWithoutPositive == 0.25)
  #expect(row.levelShares == [3.0 / 9, 6.0 / 9])
}

@Test func coverageOfOneBoxThatIsAnAnchor() throws {
  let generator = AnchorGenerator(preset: .retinanet, compatibility: .torchvision)
  let grid = generator.anchors(for: ImageSize(height: 256, width: 256))
  // An anchor inside the image is matched with IoU exactly 1; a degenerate box is skipped.
  let anchor = grid.boxes[grid.levels[1].index(y: 5, x: 5, type: 4)]
  var coverage = AnchorCoverage(
    levelNames: grid.levels.map(\.name),
    matcher: IoUMatcher(high: 0.5, low: 0.4, allowsLowQualityMatches: true))
  try coverage.add(
    groundTruth: BoxArray([anchor, Box(x1: 5, y1: 5, x2: 5, y2: 9)]), grid: grid,
    index: GridAnchorIndex(grid))
  #expect(coverage.all.count == 1)
  #expect(coverage.skipped == 1)
  #expect(coverage.all.reaching07 == 1)
  #expect(coverage.all.bestIoUSum == 1)
  #expect(coverage.all.positivesPerLevel[1] >= 1)
  #expect(coverage.images == 1)
}
