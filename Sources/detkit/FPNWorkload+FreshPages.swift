import DetGeometry
import DetSupport
import Foundation

extension FPNWorkload {
  /// `fresh_pages`: what a fresh result of the `iou` stage's size costs before a single
  /// value is computed, the floor under that stage on this machine.
  ///
  /// Each run allocates `M x 268,569` floats (107 MB at M = 100) the way
  /// `pairwiseIoU(_:_:kind:)` does (a new array, the same huge-page advice), splits it into
  /// the same two contiguous blocks per core, and fills each block with zeros by `memset`
  /// (glibc's fastest fill: as fast as plain or non-temporal vector stores here, or faster),
  /// so the kernel maps and zeroes every page on the first write exactly as it does for the
  /// IoU matrix. `iou` minus this is what the arithmetic and its stores add; `iou_into`
  /// is the matrix without the new pages.
  func freshPagesStage() -> () -> Any {
    let count = groundTruth.count * anchors.count
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let blocks = ChunkPlan(count: count, chunkSize: max(1, (count + 2 * cores - 1) / (2 * cores)))
    return {
      [Float](unsafeUninitializedCapacity: count) { out, initialized in
        adviseHugePages(UnsafeMutableRawBufferPointer(out))
        // Blocks are disjoint slices of the new array; forEachChunk returns when all are
        // written.
        nonisolated(unsafe) let base = out.baseAddress
        forEachChunk(blocks) { _, block in
          memset(base! + block.lowerBound, 0, block.count * MemoryLayout<Float>.stride)
        }
        initialized = count
      }.count
    }
  }
}
