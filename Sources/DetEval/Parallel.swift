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

/// Sorts `indices` by score, highest first; equal scores keep ascending index order and NaN
/// sorts last: the order of a stable sort on `-score` (`np.argsort(-s, kind='mergesort')`).
/// - Complexity: O(n log n); insertion sort below 24 elements.
func sortByScoreDescending(_ indices: inout [Int32], scores: UnsafePointer<Double>) {
  @inline(__always) func precedes(_ a: Int32, _ b: Int32) -> Bool {
    let sa = scores[Int(a)]
    let sb = scores[Int(b)]
    if sa > sb { return true }
    if sa < sb { return false }
    if sa == sb { return a < b }
    // At least one NaN: NaN goes after every number; NaNs keep index order.
    if sa.isNaN { return sb.isNaN && a < b }
    return true
  }
  let n = indices.count
  if n < 24 {
    if n < 2 { return }
    for i in 1..<n {
      let value = indices[i]
      var j = i
      while j > 0 && precedes(value, indices[j - 1]) {
        indices[j] = indices[j - 1]
        j -= 1
      }
      indices[j] = value
    }
  } else {
    indices.sort(by: precedes)
  }
}
