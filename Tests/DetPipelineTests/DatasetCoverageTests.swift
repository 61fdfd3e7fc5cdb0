import DetGeometry
import DetMatching
import DetPipeline
import Testing

/// Coverage counts every non-crowd box of every image once, under the matcher given.
@Test func coverageCountsEveryNonCrowdBox() throws {
  let demo = try DemoStore()
  let (images, annotations, _) = try Demo.load()
  let walker = try DatasetWalker(db: demo.db, name: "demo", resize: .torchvision)
  let coverage = try AnchorCoverage(
    of: walker, generator: AnchorGenerator(preset: .retinanet, compatibility: .torchvision),
    matcher: .retinaNet)
  #expect(coverage.images == images.count)
  #expect(coverage.all.count + coverage.skipped == annotations.filter { !$0.crowd }.count)
  #expect(coverage.matcher.highThreshold == 0.5 && coverage.matcher.lowThreshold == 0.4)
  // Low-quality matches give every (non-degenerate) box at least one positive.
  #expect(coverage.all.shareWithoutPositive == 0)
}
