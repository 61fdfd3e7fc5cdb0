import DetGeometry
import DetMatching
import DetStore
import DetSupport
import Foundation

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
  ///   - area: what the size buckets and bins read: `.stored` (the default), each
  ///     annotation's stored `area` scaled by the image's resize (COCO evaluation's notion;
  ///     counted in ``AnchorCoverage/areasAboveBox`` where it exceeds the box; the box's
  ///     width x height where no area is stored); or `.box`, the resized box's width x
  ///     height, the size the anchors must fit.
  ///   - threads: images matched at once (`nil`: every core; 1: serially). Images are
  ///     filed in import order, so the result is the same, bit for bit, for any value.
  ///   - progress: called after each image with the images done out of the dataset's.
  /// - Throws: what ``DatasetWalker/forEachImage(_:)`` throws, and
  ///   ``PipelineError/Code/assignmentFailed`` wrapping the matcher's error when it rejects
  ///   an image's ground truth.
  /// - Complexity: per image, the sparse matcher's passes over the anchors overlapping its
  ///   boxes, nothing per anchor of the grid (positives are counted without labelling every
  ///   anchor); at most ``GridCache/capacity`` grids in memory, plus 12 bytes per anchor of
  ///   the largest grid per thread.
  public init(
    of walker: DatasetWalker, generator: AnchorGenerator, matcher: IoUMatcher,
    area: AreaSource = .stored, threads: Int? = nil, progress: WorkProgressHandler? = nil
  ) throws(PipelineError) {
    var cache = GridCache(generator)
    var coverage = AnchorCoverage(levelNames: generator.levels.map(\.name), matcher: matcher)
    let observer = coverage
    let scratch = MatchScratchPool()
    let total = try? walker.store.dataset(named: walker.name).images
    var done = 0
    do {
      try orderedParallelMap(
        window: parallelWindow(threads: threads), maxConcurrency: threads,
        produce: { yield in
          try walker.forEachImage { image throws(PipelineError) in
            let (grid, index) = try cache.grid(for: image)
            var areas: [Double]?
            if area == .stored {
              // The stored area in resized pixels: scaled like the box's two sides.
              let scale =
                Double(image.resized.width) / Double(image.record.width)
                * Double(image.resized.height) / Double(image.record.height)
              areas = image.annotations.map { ($0.area ?? $0.width * $0.height) * scale }
            }
            do { try yield((image.boxes, areas, grid, index)) } catch let error as PipelineError {
              throw error
            } catch {
              throw PipelineError.wrapping(error, .assignmentFailed)
            }
          }
        },
        transform: { boxes, areas, grid, index in
          do {
            return try observer.observe(
              groundTruth: boxes, grid: grid, index: index, areas: areas, scratch: scratch)
          } catch {
            throw PipelineError.wrapping(error, .assignmentFailed)
          }
        },
        consume: { observation in
          coverage.add(observation)
          done += 1
          progress?(WorkProgress(done: done, total: total, unit: .images))
        })
    } catch let error as PipelineError {
      throw error
    } catch {
      throw PipelineError.wrapping(error, .assignmentFailed)
    }
    self = coverage
  }
}

/// Items in flight for ``orderedParallelMap``: four per thread (every core for `nil`), so a
/// slow image does not idle the others; one for `threads == 1`, the plain serial loop.
func parallelWindow(threads: Int?) -> Int {
  threads == 1 ? 1 : 4 * (threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount))
}
