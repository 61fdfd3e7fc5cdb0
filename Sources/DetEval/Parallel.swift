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
  if n >= 256 {
    var keys = [UInt64](unsafeUninitializedCapacity: n) { out, initialized in
      for i in 0..<n { out[i] = key(scores[Int(indices[i])]) }
      initialized = n
    }
    radixSort(&keys, carrying: &indices)
    return
  }
  var keyed = indices.map { (key: key(scores[Int($0)]), index: $0) }
  keyed.sort { $0.key < $1.key || ($0.key == $1.key && $0.index < $1.index) }
  for i in 0..<n { indices[i] = keyed[i].index }
}

/// Sorts `keys` ascending, moving `values` with them; stable (equal keys keep their order),
/// so ascending `values` on entry break ties as the keyed comparison sort does.
///
/// LSD radix sort on six 11-bit digits; a digit every key shares is skipped.
/// - Complexity: O(n) time per digit sorted (at most six), O(n + 6 * 2048) extra space.
func radixSort(_ keys: inout [UInt64], carrying values: inout [Int32]) {
  precondition(keys.count == values.count, "radixSort: \(keys.count) keys, \(values.count) values")
  let n = keys.count
  if n < 2 { return }
  let bits = 11
  let radix = 1 << bits
  let mask = UInt64(radix - 1)
  let digits = (64 + bits - 1) / bits
  let counts = UnsafeMutablePointer<Int>.allocate(capacity: digits * radix)
  counts.initialize(repeating: 0, count: digits * radix)
  let spareKeys = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
  let spareValues = UnsafeMutablePointer<Int32>.allocate(capacity: n)
  defer {
    counts.deallocate()
    spareKeys.deallocate()
    spareValues.deallocate()
  }
  keys.withUnsafeMutableBufferPointer { keyBuffer in
    values.withUnsafeMutableBufferPointer { valueBuffer in
      var sourceKeys = keyBuffer.baseAddress!
      var sourceValues = valueBuffer.baseAddress!
      var targetKeys = spareKeys
      var targetValues = spareValues
      // One pass counts every digit (the counts do not change as the keys move).
      for i in 0..<n {
        let k = sourceKeys[i]
        for d in 0..<digits { counts[d * radix + Int((k >> UInt64(d * bits)) & mask)] += 1 }
      }
      for d in 0..<digits {
        let shift = UInt64(d * bits)
        let count = counts + d * radix
        if count[Int((sourceKeys[0] >> shift) & mask)] == n { continue }
        var sum = 0
        for b in 0..<radix {
          let c = count[b]
          count[b] = sum
          sum += c
        }
        for i in 0..<n {
          let k = sourceKeys[i]
          let b = Int((k >> shift) & mask)
          let p = count[b]
          count[b] = p + 1
          targetKeys[p] = k
          targetValues[p] = sourceValues[i]
        }
        swap(&sourceKeys, &targetKeys)
        swap(&sourceValues, &targetValues)
      }
      if sourceKeys != keyBuffer.baseAddress! {
        keyBuffer.baseAddress!.update(from: sourceKeys, count: n)
        valueBuffer.baseAddress!.update(from: sourceValues, count: n)
      }
    }
  }
}
