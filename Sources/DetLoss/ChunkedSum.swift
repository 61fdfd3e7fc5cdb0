import Dispatch

/// Splits `0 ..< count` into fixed-size chunks, runs `body` on every chunk (in parallel
/// for large inputs) and adds the chunks' `Double` partial sums in chunk order.
///
/// The chunk boundaries depend only on `count` and `chunkSize`, never on the number of
/// threads, so the result is bit-for-bit the same for any `maxConcurrency` (the tests pin
/// this). `body` must only write to memory that belongs to its own chunk.
///
/// - Parameters:
///   - count: the number of work items (elements or rows).
///   - chunkSize: items per chunk (> 0).
///   - maxConcurrency: at most this many chunks run at once; 1 runs serially on the
///     caller's thread, `nil` lets Dispatch use every core.
///   - body: computes the partial sum of `range`.
/// - Complexity: O(`count`) work plus O(`count / chunkSize`) for the partials.
func chunkedSum(
  count: Int, chunkSize: Int, maxConcurrency: Int? = nil,
  _ body: (Range<Int>) -> Double
) -> Double {
  precondition(chunkSize > 0, "chunkSize must be positive, got \(chunkSize)")
  if count <= 0 { return 0 }
  let chunks = (count + chunkSize - 1) / chunkSize
  if chunks == 1 { return body(0..<count) }
  var partials = [Double](repeating: 0, count: chunks)
  let workers = min(chunks, maxConcurrency ?? chunks)
  partials.withUnsafeMutableBufferPointer { partials in
    if workers <= 1 {
      for chunk in 0..<chunks {
        partials[chunk] = body(chunk * chunkSize..<min(count, (chunk + 1) * chunkSize))
      }
      return
    }
    withoutActuallyEscaping(body) { body in
      // Each chunk writes only its own partial slot, and `body` only its own chunk's
      // memory (the caller's contract), so sharing them across workers is race-free.
      nonisolated(unsafe) let slots = partials
      nonisolated(unsafe) let work = body
      // Worker w takes chunks w, w + workers, ...
      DispatchQueue.concurrentPerform(iterations: workers) { worker in
        var chunk = worker
        while chunk < chunks {
          slots[chunk] = work(chunk * chunkSize..<min(count, (chunk + 1) * chunkSize))
          chunk += workers
        }
      }
    }
  }
  var total = 0.0
  for partial in partials { total += partial }
  return total
}
