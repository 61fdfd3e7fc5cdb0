import DetGeometry
import DetSupport
import Foundation

extension FPNWorkload {
  /// `fresh_pages`: what the new memory of a fresh `iou` result costs on its own, the floor
  /// under that stage on this machine.
  ///
  /// Each run allocates `M x 268,569` floats (107 MB at M = 100) as a new array with the
  /// same huge-page advice as `pairwiseIoU(_:_:kind:)`, splits it into the same blocks of
  /// rows, two a core (as `iou` does from four rows a core; M = 100 on 2 cores: 25 rows a
  /// block), and writes one float per 4 KiB page of each block: the
  /// kernel maps and zeroes every page (2 MiB at a time where huge pages are granted) and
  /// nothing else is written. `iou` must at least touch every page it stores into (all of
  /// them on W-FPN), so `iou` minus this is what its arithmetic and stores add, besides the
  /// checks of `zeroFreshPages(_:)` (a few system calls); `iou_into` is the matrix without
  /// new pages.
  func freshPagesStage() -> () -> Any {
    let m = anchors.count
    let count = groundTruth.count * m
    let blocks = ChunkPlan(count: groundTruth.count, chunksPerCore: 2)
    let floatsPerPage = 4096 / MemoryLayout<Float>.stride
    return {
      [Float](unsafeUninitializedCapacity: count) { out, initialized in
        adviseHugePages(UnsafeMutableRawBufferPointer(out))
        // Blocks of rows are disjoint slices of the new array; forEachChunk returns when
        // all are touched. None of it counts as initialised: the array is only a timing.
        nonisolated(unsafe) let base = out.baseAddress!
        forEachChunk(blocks) { _, rows in
          let (first, end) = (rows.lowerBound * m, rows.upperBound * m)
          for k in stride(from: first, to: end, by: floatsPerPage) { base[k] = 0 }
          if end > first { base[end - 1] = 0 }
        }
        initialized = 0
      }.capacity
    }
  }
}
