import DetGeometry
import DetMatching

extension AnchorCoverage {
  /// How well `generator`'s anchors cover a stored dataset: every image resized onto its
  /// canvas, every non-crowd box's best anchor IoU and positives under `matcher` (the
  /// grid-aware sparse matcher), by size bucket, log2 bin and level.
  ///
  /// - Parameters:
  ///   - walker: the dataset.
  ///   - generator: the anchors.
  ///   - matcher: the thresholds positives are counted under; usually the preset's
  ///     (``DetMatching/IoUMatcher/preset(_:policy:)``).
  /// - Throws: what ``DatasetWalker/forEachImage(_:)`` throws, and
  ///   ``PipelineError/Code/assignmentFailed`` wrapping the matcher's error when it rejects
  ///   an image's ground truth.
  /// - Complexity: one sparse match per image; at most ``GridCache/capacity`` grids in
  ///   memory.
  public init(
    of walker: DatasetWalker, generator: AnchorGenerator, matcher: IoUMatcher
  ) throws(PipelineError) {
    var cache = GridCache(generator)
    var coverage = AnchorCoverage(levelNames: generator.levels.map(\.name), matcher: matcher)
    try walker.forEachImage { image throws(PipelineError) in
      let (grid, index) = try cache.grid(for: image)
      do {
        try coverage.add(groundTruth: image.boxes, grid: grid, index: index)
      } catch {
        throw PipelineError.wrapping(error, .assignmentFailed)
      }
    }
    self = coverage
  }
}
