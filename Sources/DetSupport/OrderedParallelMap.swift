import Foundation

/// Streams items through a transform on every core and hands the results on in input order:
/// the dataset passes' way to use both cores with results identical to a serial loop.
///
/// `produce` runs on the caller's thread and passes each item to the `yield` it is given.
/// Items wait until `window` of them are buffered; then they are transformed concurrently
/// (``forEachChunk(_:parallel:maxConcurrency:_:)``, one item per chunk) and `consume` is
/// called on the caller's thread with each result, in the order the items were yielded. The
/// rest is flushed when `produce` returns. So `produce` and `consume` may use state that is
/// not thread-safe (an SQLite connection, an output file, an accumulator), and whatever
/// `consume` folds is the same, bit for bit, as with `window` 1 — a plain serial loop —
/// provided `transform` depends only on its item (no shared mutable state, no order-dependent
/// randomness).
///
/// Errors keep the serial order: when `transform` throws for an item, the items before it are
/// consumed and then its error is thrown (out of `yield`, so through `produce`); when
/// `produce` throws, the items it yielded before are transformed and consumed first. Nothing
/// after a failing item is consumed.
///
/// - Parameters:
///   - window: items in flight at once (>= 1); memory holds `window` inputs and outputs.
///     1 runs everything serially on the caller's thread.
///   - maxConcurrency: at most this many transforms at once (`nil`: every core); 1 runs them
///     serially on the caller's thread.
///   - produce: yields the items in order.
///   - transform: the expensive, independent part; runs on worker threads.
///   - consume: the in-order part; runs on the caller's thread.
/// - Complexity: the work of the three closures; no more than `window` items are held.
package func orderedParallelMap<Input, Output>(
  window: Int, maxConcurrency: Int? = nil,
  produce: (_ yield: (Input) throws -> Void) throws -> Void,
  transform: (Input) throws -> Output,
  consume: (Output) throws -> Void
) throws {
  precondition(window >= 1, "window must be at least 1, got \(window)")
  // `produce` gets a closure that calls `transform` and `consume`: Swift asks for escaping
  // copies there, though none outlives this call.
  try withoutActuallyEscaping(transform) { transform in
    try withoutActuallyEscaping(consume) { consume in
      try orderedParallelMap(
        window: window, maxConcurrency: maxConcurrency, produce: produce, escaping: transform,
        consume)
    }
  }
}

private func orderedParallelMap<Input, Output>(
  window: Int, maxConcurrency: Int?,
  produce: (_ yield: (Input) throws -> Void) throws -> Void,
  escaping transform: @escaping (Input) throws -> Output,
  _ consume: @escaping (Output) throws -> Void
) throws {
  var buffer: [Input] = []
  buffer.reserveCapacity(window)
  func flush() throws {
    guard !buffer.isEmpty else { return }
    let inputs = buffer
    buffer.removeAll(keepingCapacity: true)
    var results = [Result<Output, any Error>?](repeating: nil, count: inputs.count)
    if inputs.count == 1 {
      results[0] = Result { try transform(inputs[0]) }
    } else {
      inputs.withUnsafeBufferPointer { items in
        results.withUnsafeMutableBufferPointer { slots in
          nonisolated(unsafe) let (items, slots) = (items, slots)
          // Each chunk writes only its own slot, so the workers never share memory.
          let plan = ChunkPlan(count: items.count, chunkSize: 1)
          forEachChunk(plan, maxConcurrency: maxConcurrency) { chunk, _ in
            slots[chunk] = Result { try transform(items[chunk]) }
          }
        }
      }
    }
    for result in results { try consume(result!.get()) }
  }
  do {
    try produce { item in
      buffer.append(item)
      if buffer.count >= window { try flush() }
    }
  } catch {
    // The producer failed after yielding what the buffer holds: finish those first, as a
    // serial loop would have (their own error, if any, comes first).
    try flush()
    throw error
  }
  try flush()
}

/// `transform(0) ... transform(count - 1)` computed on up to `maxConcurrency` threads and
/// returned in index order: a serial `map` over the indices, on several cores.
///
/// Each index's result depends only on `transform`, so the array is the same for any
/// `maxConcurrency` provided `transform` shares no mutable state. When several indices throw,
/// the lowest one's error is thrown, as the serial loop would (the others still run).
///
/// - Parameters:
///   - count: the indices, `0 ..< count` (none for `count <= 0`).
///   - maxConcurrency: at most this many transforms at once (`nil`: every core); 1 runs them
///     serially on the caller's thread.
///   - transform: the work of one index; runs on worker threads.
/// - Returns: the results in index order.
/// - Complexity: the transforms' work; memory for `count` results.
package func orderedMap<Output>(
  count: Int, maxConcurrency: Int? = nil, _ transform: (Int) throws -> Output
) throws -> [Output] {
  let count = max(0, count)
  if count <= 1 || maxConcurrency == 1 { return try (0..<count).map(transform) }
  var results = [Result<Output, any Error>?](repeating: nil, count: count)
  results.withUnsafeMutableBufferPointer { slots in
    nonisolated(unsafe) let slots = slots
    // Each chunk writes only its own slot, so the workers never share memory.
    forEachChunk(ChunkPlan(count: count, chunkSize: 1), maxConcurrency: maxConcurrency) {
      i, _ in
      slots[i] = Result { try transform(i) }
    }
  }
  return try results.map { try $0!.get() }
}
