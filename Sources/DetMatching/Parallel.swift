import Foundation

/// Splits `0..<count` into contiguous chunks of at least `minimumChunk` items and runs
/// `body(chunkIndex, range)` for each, across cores when there is more than one chunk.
///
/// - Returns: the number of chunks (callers size per-chunk scratch with
///   ``chunkCount(_:minimumChunk:)`` first).
func forEachChunk(
  _ count: Int, minimumChunk: Int, _ body: (Int, Range<Int>) -> Void
) {
  let chunks = chunkCount(count, minimumChunk: minimumChunk)
  if chunks <= 1 {
    if count > 0 { body(0, 0..<count) }
    return
  }
  let size = (count + chunks - 1) / chunks
  withoutActuallyEscaping(body) { body in
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      let lower = c * size
      let upper = min(count, lower + size)
      if lower < upper { body(c, lower..<upper) }
    }
  }
}

/// How many chunks ``forEachChunk(_:minimumChunk:_:)`` makes: enough to keep every core
/// busy (4 per active core), none smaller than `minimumChunk`.
func chunkCount(_ count: Int, minimumChunk: Int) -> Int {
  guard count > 0 else { return 1 }
  let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
  return max(1, min(cores * 4, count / max(1, minimumChunk)))
}
