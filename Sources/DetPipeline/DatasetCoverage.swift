import DetGeometry
import DetMatching
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
  ///   - threads: images matched at once (`nil`: every core; 1: serially). Images are
  ///     filed in import order, so the result is the same, bit for bit, for any value.
  ///   - progress: called after each image with the images done out of the dataset's.
  /// - Throws: what ``DatasetWalker/forEachImage(_:)`` throws, and
  ///   ``PipelineError/Code/assignmentFailed`` wrapping the matcher's error when it rejects
  ///   an image's ground truth.
  /// - Complexity: one sparse match per image; at most ``GridCache/capacity`` grids in
  ///   memory.
  public init(
    of walker: DatasetWalker, generator: AnchorGenerator, matcher: IoUMatcher,
    threads: Int? = nil, progress: WorkProgressHandler? = nil
  ) throws(PipelineError) {
    var cache = GridCache(generator)
    var coverage = AnchorCoverage(levelNames: generator.levels.map(\.name), matcher: matcher)
    let observer = coverage
    let total = try? walker.store.dataset(named: walker.name).images
    var done = 0
    do {
      try orderedParallelMap(
        window: parallelWindow(threads: threads), maxConcurrency: threads,
        produce: { yield in
          try walker.forEachImage { image throws(PipelineError) in
            let (grid, index) = try cache.grid(for: image)
            do { try yield((image.boxes, grid, index)) } catch let error as PipelineError {
              throw error
            } catch {
              throw PipelineError.wrapping(error, .assignmentFailed)
            }
          }
        },
        transform: { boxes, grid, index in
          do {
            return try observer.observe(groundTruth: boxes, grid: grid, index: index)
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
