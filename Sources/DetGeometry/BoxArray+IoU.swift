import CDetKernels
import DetSupport
import Foundation

/// The IoU-family matrix between every box of `a` and every box of `b`.
///
/// Row-major `a.count x b.count`: entry `i * b.count + j` compares `a[i]` with `b[j]`. The
/// formulas and float32 op order are torchvision's `box_iou`, `generalized_box_iou`,
/// `distance_box_iou` and `complete_box_iou` (see ``IoUKind``), so `iou`, `giou` and
/// `diou` are bit-identical to torchvision wherever torchvision's result is finite. `ciou`
/// goes through `atan`, which detkit takes from the C library and torch from SLEEF (neither
/// correctly rounded): it differs from torchvision by at most 2.4e-7 absolute (2 ulp of 1.0,
/// `2 * Float.ulpOfOne`), the largest difference measured over 3 million random
/// pairs. That is an absolute bound, not an ulp bound: where the value is near 0 the same
/// difference is thousands of ulps of the value (up to 24,576 measured).
///
/// Degenerate cases: where torchvision returns NaN (two zero-area boxes, `union == 0`)
/// detkit returns IoU 0 (see ``IoUKind``). Inverted boxes (`x2 < x1`) are not rejected: they
/// go through the same arithmetic as in torchvision (negative areas). NaN coordinates give
/// NaN.
///
/// - Parameters:
///   - a: The first set, `N` boxes `xyxy`.
///   - b: The second set, `M` boxes `xyxy`.
///   - kind: The measure; plain IoU by default.
/// - Returns: `N * M` values, empty when either set is empty.
/// - Complexity: O(N * M) work in vectorised loops over `b` (structure-of-arrays columns,
///   transposed a tile at a time), split across cores (in blocks of rows, or column ranges
///   when `N` is small for the core count) when `N * M` is large; besides the result,
///   about 21 KiB of stack per thread for plain IoU (the C kernels; the Swift reference
///   variant and the other kinds take O(N + M) memory). The C kernels skip the arithmetic
///   of a row against a tile of 1,024 columns whose boxes all lie on one side of the row's
///   box (all +0; about three in four on W-FPN, whose anchors lie in bands of the image).
///   A result of 8 MiB or more is new memory whose pages the kernel maps and zeroes on
///   first write (asked for as 2 MiB huge pages). From 32 MiB, when the allocator hands over fresh
///   private memory (glibc's `malloc` does for blocks that large), the plain IoU is computed
///   on those zero pages and writes only its groups of 16 entries that are not all +0 (5% of
///   them on W-FPN); otherwise it writes every entry (see `zeroFreshPages(_:)`). Either
///   way the same bits. ``pairwiseIoU(_:_:kind:into:)`` writes into a caller's buffer
///   instead.
public func pairwiseIoU(_ a: BoxArray, _ b: BoxArray, kind: IoUKind = .iou) -> [Float] {
  pairwiseIoU(a, b, kind: kind, variant: .active)
}

/// ``pairwiseIoU(_:_:kind:)`` written into `destination`, a caller-owned buffer of exactly
/// `a.count * b.count` floats, in the same row-major layout and with the same bits.
///
/// For a loop that computes one matrix after another (one image's ground truth against the
/// same anchors, image after image): a fresh result of the W-FPN size (100 x 268,569,
/// 107 MB) comes from new pages that the kernel must map and zero on first write, which
/// costs more than computing the values; a buffer reused from the previous call has none
/// of that. To reuse one buffer for varying `a.count`, allocate it for the largest and pass
/// a slice of it (`UnsafeMutableBufferPointer(rebasing: buffer[..<(n * m)])`).
///
/// - Parameters:
///   - a: The first set, `N` boxes `xyxy`.
///   - b: The second set, `M` boxes `xyxy`.
///   - kind: The measure; plain IoU by default.
///   - destination: `N * M` floats; every one is overwritten (nothing is read).
/// - Precondition: `destination.count == a.count * b.count`.
/// - Complexity: as ``pairwiseIoU(_:_:kind:)``, with no allocation of the result.
public func pairwiseIoU(
  _ a: BoxArray, _ b: BoxArray, kind: IoUKind = .iou,
  into destination: UnsafeMutableBufferPointer<Float>
) {
  pairwiseIoU(a, b, kind: kind, variant: .active, into: destination)
}

/// ``pairwiseIoU(_:_:kind:)`` with the plain IoU's inner loop forced to `variant` (the
/// other kinds have one loop for all variants) and, when `streaming` is given, its
/// non-temporal stores forced on or off (by default on for results of 32 MiB and more);
/// the tests run every supported variant both ways.
package func pairwiseIoU(
  _ a: BoxArray, _ b: BoxArray, kind: IoUKind, variant: KernelVariant, streaming: Bool? = nil
) -> [Float] {
  let count = a.count * b.count
  return [Float](unsafeUninitializedCapacity: count) { out, initialized in
    let result = UnsafeMutableBufferPointer(rebasing: out[..<count])
    // A large plain IoU matrix is mostly zeros: on fresh zero pages the C kernels write only
    // the groups of 16 entries that are not all +0.
    let zeroed =
      kind == .iou && variant != .swiftSIMD && count >= streamingResultFloats
      && zeroFreshPages(UnsafeMutableRawBufferPointer(result))
    // A fresh result of 8 MiB or more is new pages: ask for huge ones before the first write.
    adviseHugePages(UnsafeMutableRawBufferPointer(out))
    pairwiseIoU(
      a, b, kind: kind, variant: variant, streaming: streaming, zeroed: zeroed, into: result)
    initialized = count
  }
}

/// ``pairwiseIoU(_:_:kind:into:)`` with the variant and streaming forced as in
/// ``pairwiseIoU(_:_:kind:variant:streaming:)``. `zeroed` promises that `destination`
/// already holds +0 everywhere: the plain IoU's C kernels then skip the groups of 16
/// entries that come out all +0 (the other paths write everything anyway).
package func pairwiseIoU(
  _ a: BoxArray, _ b: BoxArray, kind: IoUKind, variant: KernelVariant, streaming: Bool? = nil,
  zeroed: Bool = false, into destination: UnsafeMutableBufferPointer<Float>
) {
  precondition(
    destination.count == a.count * b.count,
    "pairwiseIoU(into:) needs a.count * b.count = \(a.count) * \(b.count) = \(a.count * b.count) floats, got a buffer of \(destination.count)"
  )
  switch kind {
  case .iou where variant != .swiftSIMD:
    plainIoUBlocks(a, b, variant, streaming, zeroed, destination)
  case .iou: pairwise(a, b, PlainIoUKernel.self, destination)
  case .giou: pairwise(a, b, GeneralizedIoUKernel.self, destination)
  case .diou: pairwise(a, b, DistanceIoUKernel.self, destination)
  case .ciou: pairwise(a, b, CompleteIoUKernel.self, destination)
  }
}

/// The IoU-family value of each pair `(a[i], b[i])`: the diagonal of
/// ``pairwiseIoU(_:_:kind:)``, with the same op order, degenerate cases and parity with
/// torchvision.
///
/// These are the pairwise functions' values, not torchvision's `*_box_iou_loss` functions,
/// which add `eps` to the union and use a different op order (they differ by about 1e-7
/// relative).
///
/// - Precondition: `a.count == b.count`.
/// - Returns: `a.count` values.
/// - Complexity: O(N) in vectorised loops, split across cores for large N.
public func elementwiseIoU(_ a: BoxArray, _ b: BoxArray, kind: IoUKind = .iou) -> [Float] {
  precondition(
    a.count == b.count, "elementwiseIoU needs equal counts, got \(a.count) and \(b.count)")
  switch kind {
  case .iou: return elementwise(a, b, PlainIoUKernel.self)
  case .giou: return elementwise(a, b, GeneralizedIoUKernel.self)
  case .diou: return elementwise(a, b, DistanceIoUKernel.self)
  case .ciou: return elementwise(a, b, CompleteIoUKernel.self)
  }
}

/// Columns of `b` per tile of the Swift loops (2,048 boxes of six fields stay within a
/// core's L2 cache), and per chunk when the C path splits the columns across cores.
private let tileColumns = 2048

/// Results of at least this many floats (32 MiB, the last-level cache of a large core
/// complex) are written with non-temporal stores by the C kernels.
private let streamingResultFloats = 8 << 20

/// Below this many pairs one thread is faster than waking the others.
private let parallelPairs = 1 << 16

/// The plain IoU matrix by the C kernel of `variant` (`detkit_iou_block`), which reads `a`
/// and `b` in place and transposes `b` a tile at a time on its own stack.
///
/// With at least four rows per core the work is split in blocks of whole rows, one per
/// core: a block is a contiguous slice of the result that only one thread writes, so the
/// threads take the page faults of a fresh result (huge pages: mapping and zeroing 2 MiB
/// each) side by side instead of colliding on the same pages. Each block transposes all of
/// `b` once (reading it from memory: 4.3 MB for W-FPN's anchors), so there are fewer blocks
/// than the Swift loops' four per core (which share one transposed copy). Once rows skip
/// the tiles they miss, that transposition is a third of the kernel's time on W-FPN, and
/// one block a core beat two (which let a core that finishes early take another) in 5 of 5
/// alternating runs into a reused buffer (1.97-3.53 ms against 2.67-3.74 ms) and in 4 of 5
/// on a fresh result. With one row a block the transposition costs more than the row
/// (W-FPN anchors, 2 cores: 4 rows took 0.55 ms in blocks, 0.26-0.38 ms in column ranges),
/// so with fewer rows each chunk is a range of `tileColumns` columns of every row.
private func plainIoUBlocks(
  _ a: BoxArray, _ b: BoxArray, _ variant: KernelVariant, _ streams: Bool?, _ zeroed: Bool,
  _ destination: UnsafeMutableBufferPointer<Float>
) {
  let n = a.count
  let m = b.count
  guard n > 0, m > 0 else { return }
  // A result far larger than the caches is written with non-temporal stores: normal
  // stores would first read every line of it from memory.
  let streaming: Int32 = (streams ?? (n * m >= streamingResultFloats)) ? 1 : 0
  let skipsZeros: Int32 = zeroed ? 1 : 0
  let parallel = n * m >= parallelPairs
  let cores = ProcessInfo.processInfo.activeProcessorCount
  // Chunks write disjoint entries of the result, and only read `a` and `b`;
  // forEachChunk returns when every chunk is done.
  nonisolated(unsafe) let result = destination.baseAddress!
  a.withUnsafeBufferPointer { rows in
    b.withUnsafeBufferPointer { columns in
      nonisolated(unsafe) let (rows, columns) = (rows.baseAddress!, columns.baseAddress!)
      if n >= 4 * cores {
        let blocks = ChunkPlan(count: n, chunksPerCore: 1)
        forEachChunk(blocks, parallel: parallel) { _, block in
          detkit_iou_block(
            variant.cCode, rows, block.lowerBound, block.upperBound, columns, 0, m, m, result,
            streaming, skipsZeros)
        }
      } else {
        let spans = ChunkPlan(count: m, chunkSize: tileColumns)
        forEachChunk(spans, parallel: parallel) { _, span in
          detkit_iou_block(
            variant.cCode, rows, 0, n, columns, span.lowerBound, span.upperBound, m, result,
            streaming, skipsZeros)
        }
      }
    }
  }
}

/// Writes the `a.count x b.count` matrix of `K` to `destination` with the Swift kernels.
///
/// Two ways to split the work across cores. With at least two rows per core, each chunk is
/// a block of whole rows: a contiguous slice of the result that only one thread writes (see
/// ``plainIoUBlocks(_:_:_:_:_:_:)``); inside a block, the rows run tile by tile so each
/// tile's columns are read from L2 once per row of the block. With fewer rows, each chunk
/// is a column tile of every row (the only way to give every core work when `a` has a box
/// or two).
private func pairwise<K: IoUKernel>(
  _ a: BoxArray, _ b: BoxArray, _: K.Type, _ destination: UnsafeMutableBufferPointer<Float>
) {
  let n = a.count
  let m = b.count
  guard n > 0, m > 0 else { return }
  let rows = BoxColumns(a, aspect: K.needsAspect)
  let columns = BoxColumns(b, aspect: K.needsAspect)
  let rowFields = (0..<n).map { rows.fields($0) }
  // Chunks write disjoint parts of the result, so sharing the pointer is safe;
  // forEachChunk returns when every chunk is done.
  nonisolated(unsafe) let result = destination.baseAddress!
  let parallel = n * m >= parallelPairs
  let tiles = ChunkPlan(count: m, chunkSize: tileColumns)
  columns.withPointers { cols in
    if n >= 2 * ProcessInfo.processInfo.activeProcessorCount {
      let blocks = ChunkPlan(count: n, minimumChunk: 1)
      forEachChunk(blocks, parallel: parallel) { _, block in
        for tile in 0..<tiles.chunkCount {
          let span = tiles.range(tile)
          for i in block { K.fillRow(rowFields[i], cols, span, into: result + i * m) }
        }
      }
    } else {
      forEachChunk(tiles, parallel: parallel) { _, span in
        for i in 0..<n { K.fillRow(rowFields[i], cols, span, into: result + i * m) }
      }
    }
  }
}

private func elementwise<K: IoUKernel>(_ a: BoxArray, _ b: BoxArray, _: K.Type) -> [Float] {
  let n = a.count
  guard n > 0 else { return [] }
  let left = BoxColumns(a, aspect: K.needsAspect)
  let right = BoxColumns(b, aspect: K.needsAspect)
  return [Float](unsafeUninitializedCapacity: n) { out, initialized in
    // Chunks write disjoint ranges of the result (see `pairwise`).
    nonisolated(unsafe) let result = out.baseAddress!
    left.withPointers { l in
      right.withPointers { r in
        let chunks = ChunkPlan(count: n, chunkSize: 8 * tileColumns)  // 16,384 pairs
        forEachChunk(chunks, parallel: n >= parallelPairs) { _, range in
          for i in range {
            result[i] = K.evaluate(
              l.load(i, aspect: K.needsAspect), r.load(i, aspect: K.needsAspect))
          }
        }
      }
    }
    initialized = n
  }
}
