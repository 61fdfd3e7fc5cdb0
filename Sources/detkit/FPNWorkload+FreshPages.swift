import DetGeometry
import DetSupport
import Foundation

extension FPNWorkload {
  /// `fresh_pages`: what the new memory of a fresh `iou` result costs on its own on this
  /// machine, every page of it.
  ///
  /// Each run allocates `M x 268,569` floats (107 MB at M = 100) as a new array with the
  /// same huge-page advice as `pairwiseIoU(_:_:kind:)`, splits it into the same blocks of
  /// rows, one a core (as `iou` does from four rows a core; M = 100 on 2 cores: 50 rows a
  /// block), and writes one float per 4 KiB page of each block: the kernel maps and zeroes
  /// every page (2 MiB at a time where huge pages are granted) and nothing else is written.
  /// On zero pages `iou` touches only the pages it stores a non-zero entry into: on W-FPN
  /// 51 or 52 of the 52 2 MiB pages (each spans about two rows of the matrix), but only 22%
  /// of the 4 KiB pages, which counts in the few MiB at the result's ends that no whole
  /// 2 MiB page covers. So `iou` minus this is about what its arithmetic and stores add, and
  /// can come out below 0; `iou_into` is the matrix without new pages.
  func freshPagesStage() -> () -> Any {
    let m = anchors.count
    let count = groundTruth.count * m
    let blocks = ChunkPlan(count: groundTruth.count, chunksPerCore: 1)
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
