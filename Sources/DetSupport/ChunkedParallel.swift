import Foundation

/// How `0 ..< count` is split into contiguous chunks for ``forEachChunk(_:parallel:maxConcurrency:_:)``
/// and ``chunkedSum(count:chunkSize:maxConcurrency:_:)``: the one chunked-parallel rule of
/// detkit's kernels.
///
/// Chunk `c` covers `c * size ..< min(count, (c + 1) * size)`; every chunk but the last has
/// `size` items. Two sizing rules:
/// - ``init(count:chunkSize:)``: a fixed size. The boundaries depend only on `count`, never on
///   the machine, so this is the rule for anything whose result could depend on them (sums).
/// - ``init(count:minimumChunk:)``: enough chunks to keep every core busy (4 per active core),
///   none smaller than `minimumChunk`. The boundaries depend on the core count, so use it only
///   where each item's result is independent of the others (element-wise work, per-chunk
///   scratch merged order-independently).
package struct ChunkPlan: Sendable, Hashable {
  /// Items in all.
  package let count: Int
  /// Items per chunk (> 0).
  package let size: Int
  /// The number of chunks: size per-chunk scratch with it. Chunks at the end may be empty
  /// (``init(count:minimumChunk:)`` rounds the size up); `forEachChunk` skips them.
  package let chunkCount: Int

  /// Fixed-size chunks of `chunkSize` items: `ceil(count / chunkSize)` of them.
  package init(count: Int, chunkSize: Int) {
    precondition(chunkSize > 0, "chunkSize must be positive, got \(chunkSize)")
    self.count = max(0, count)
    self.size = chunkSize
    self.chunkCount = (self.count + chunkSize - 1) / chunkSize
  }

  /// `max(1, min(4 × active cores, count / minimumChunk))` chunks of `ceil(count / chunks)`
  /// items (one empty chunk when `count` is 0).
  package init(count: Int, minimumChunk: Int) {
    let count = max(0, count)
    let cores = max(1, activeProcessorCount())
    let chunks = count > 0 ? max(1, min(cores * 4, count / max(1, minimumChunk))) : 1
    self.count = count
    self.size = max(1, (count + chunks - 1) / chunks)
    self.chunkCount = chunks
  }

  /// Fixed-size chunks of `ceil(count / (chunksPerCore × active cores))` items: about
  /// `chunksPerCore` chunks a core, for work whose chunks each pay a fixed set-up (the C IoU
  /// kernel transposes all columns once per block of rows). The boundaries depend on the
  /// core count, as with ``init(count:minimumChunk:)``.
  package init(count: Int, chunksPerCore: Int) {
    precondition(chunksPerCore > 0, "chunksPerCore must be positive, got \(chunksPerCore)")
    let chunks = chunksPerCore * max(1, activeProcessorCount())
    self.init(count: count, chunkSize: max(1, (max(0, count) + chunks - 1) / chunks))
  }

  /// The items of chunk `chunk` (empty for a trailing chunk past `count`).
  package func range(_ chunk: Int) -> Range<Int> {
    let lower = min(count, chunk * size)
    return lower..<min(count, lower + size)
  }
}

/// Runs `body(chunk, range)` for every non-empty chunk of `plan`, across cores when that pays.
///
/// It runs serially on the caller's thread, in chunk order, when there is at most one chunk,
/// when `parallel` is false (the caller's kernel judged the work too small to pay for waking
/// other threads: each kernel states its threshold, in its own unit of work), or when
/// `maxConcurrency` is 1. Otherwise at most `maxConcurrency` chunks (every core for `nil`)
/// run at once and the call returns when all are done.
///
/// Determinism: `body` must write only memory that belongs to its own chunk (its slice of an
/// output, its own scratch slot); then the result is the same as the serial order's, whatever
/// the thread count. Combine per-chunk results in chunk order afterwards (as
/// ``chunkedSum(count:chunkSize:maxConcurrency:_:)`` does), never in completion order.
///
/// - Complexity: the work of `body` plus O(chunks).
package func forEachChunk(
  _ plan: ChunkPlan, parallel: Bool = true, maxConcurrency: Int? = nil,
  _ body: (_ chunk: Int, _ range: Range<Int>) -> Void
) {
  let chunks = plan.chunkCount
  let workers = min(chunks, maxConcurrency ?? chunks)
  if chunks <= 1 || !parallel || workers <= 1 {
    for chunk in 0..<chunks {
      let range = plan.range(chunk)
      if !range.isEmpty { body(chunk, range) }
    }
    return
  }
  withoutActuallyEscaping(body) { body in
    // `body` touches only its own chunk's memory (the caller's contract), so sharing it
    // across workers is race-free; concurrentPerform returns when every chunk is done.
    nonisolated(unsafe) let work = body
    if workers == chunks {
      DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let range = plan.range(chunk)
        if !range.isEmpty { work(chunk, range) }
      }
    } else {
      // Worker w takes chunks w, w + workers, ...
      DispatchQueue.concurrentPerform(iterations: workers) { worker in
        var chunk = worker
        while chunk < chunks {
          let range = plan.range(chunk)
          if !range.isEmpty { work(chunk, range) }
          chunk += workers
        }
      }
    }
  }
}

/// Splits `0 ..< count` into fixed-size chunks, runs `body` on every chunk (in parallel for
/// large inputs) and adds the chunks' `Double` partial sums in chunk order.
///
/// The chunk boundaries depend only on `count` and `chunkSize`, never on the number of
/// threads, and the partials are added left to right, so the result is bit-for-bit the same
/// for any `maxConcurrency`. `body` must only write to memory that belongs to its own chunk.
///
/// - Parameters:
///   - count: the number of work items (elements or rows).
///   - chunkSize: items per chunk (> 0).
///   - maxConcurrency: at most this many chunks run at once; 1 runs serially on the
///     caller's thread, `nil` lets Dispatch use every core.
///   - body: computes the partial sum of `range`.
/// - Returns: 0 for `count <= 0`; `body(0 ..< count)` itself for a single chunk.
/// - Complexity: O(`count`) work plus O(`count / chunkSize`) for the partials.
package func chunkedSum(
  count: Int, chunkSize: Int, maxConcurrency: Int? = nil,
  _ body: (Range<Int>) -> Double
) -> Double {
  let plan = ChunkPlan(count: count, chunkSize: chunkSize)
  let chunks = plan.chunkCount
  if chunks == 0 { return 0 }
  if chunks == 1 { return body(0..<plan.count) }
  var partials = [Double](repeating: 0, count: chunks)
  partials.withUnsafeMutableBufferPointer { partials in
    nonisolated(unsafe) let slots = partials
    forEachChunk(plan, maxConcurrency: maxConcurrency) { chunk, range in
      slots[chunk] = body(range)
    }
  }
  var total = 0.0
  for partial in partials { total += partial }
  return total
}

/// Cores the process may use now (Foundation's count, which honours CPU affinity and quotas).
private func activeProcessorCount() -> Int {
  ProcessInfo.processInfo.activeProcessorCount
}
