import Foundation

/// Runs `body(range)` over contiguous chunks of `0..<count`, across cores when there is more
/// than one chunk (at most 8 per active core, none smaller than `minimumChunk`). Each chunk
/// writes only its own slots of shared output, so results do not depend on scheduling.
func forEachChunk(_ count: Int, minimumChunk: Int, _ body: (Range<Int>) -> Void) {
  guard count > 0 else { return }
  let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
  let chunks = max(1, min(cores * 8, count / max(1, minimumChunk)))
  if chunks == 1 || cores == 1 {
    body(0..<count)
    return
  }
  let size = (count + chunks - 1) / chunks
  withoutActuallyEscaping(body) { body in
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      let lower = c * size
      let upper = min(count, lower + size)
      if lower < upper { body(lower..<upper) }
    }
  }
}

/// A raw pointer the chunks of ``forEachChunk(_:minimumChunk:_:)`` share; each chunk writes
/// disjoint elements.
struct SharedPointer<Element>: @unchecked Sendable {
  let base: UnsafeMutablePointer<Element>
}

/// Sorts `indices` by `scores[index]`, highest first; equal scores keep ascending index order
/// and NaN sorts last: the order of a stable sort on `-score`
/// (`np.argsort(-s, kind='mergesort')`) when `indices` is ascending on entry, as both callers
/// pass it. `-0.0` and `0.0` are equal.
/// - Complexity: O(n log n), on packed 64-bit keys (no indirection in the comparisons).
func sortByScoreDescending(_ indices: inout [Int32], scores: [Double]) {
  scores.withUnsafeBufferPointer { sortByScoreDescending(&indices, scores: $0.baseAddress!) }
}

/// ``sortByScoreDescending(_:scores:)`` over a raw score buffer.
func sortByScoreDescending(_ indices: inout [Int32], scores: UnsafePointer<Double>) {
  let n = indices.count
  if n < 2 { return }
  if n < 24 {
    // Insertion sort, stable by construction: only strictly better scores move ahead.
    @inline(__always) func better(_ a: Double, _ b: Double) -> Bool {
      a > b || (b.isNaN && !a.isNaN)
    }
    for i in 1..<n {
      let value = indices[i]
      let score = scores[Int(value)]
      var j = i
      while j > 0 && better(score, scores[Int(indices[j - 1])]) {
        indices[j] = indices[j - 1]
        j -= 1
      }
      indices[j] = value
    }
    return
  }
  // Key: ascending order of the key is descending order of the score, NaN last.
  @inline(__always) func key(_ score: Double) -> UInt64 {
    if score.isNaN { return .max }
    let bits = (score == 0 ? 0.0 : score).bitPattern
    let ascending = bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    return ~ascending
  }
  var keyed = indices.map { (key: key(scores[Int($0)]), index: $0) }
  keyed.sort { $0.key < $1.key || ($0.key == $1.key && $0.index < $1.index) }
  for i in 0..<n { indices[i] = keyed[i].index }
}
