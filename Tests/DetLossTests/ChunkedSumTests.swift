import Testing

@testable import DetLoss

@Test(arguments: [1, 2, 3, 5, 16])
func chunkedSumIsIndependentOfConcurrency(threads: Int) {
  var rng = SplitMix64(state: 3)
  let values = (0..<10_007).map { _ in rng.uniform() * 1e6 - 5e5 }
  let sum = { (maxConcurrency: Int?) in
    values.withUnsafeBufferPointer { v in
      chunkedSum(count: v.count, chunkSize: 97, maxConcurrency: maxConcurrency) { range in
        range.reduce(0.0) { $0 + v[$1] }
      }
    }
  }
  #expect(sum(threads) == sum(1))
  #expect(sum(nil) == sum(1))
  // Chunk order, not thread order: the serial chunk-by-chunk sum.
  var expected = 0.0
  for start in stride(from: 0, to: values.count, by: 97) {
    expected += values[start..<min(values.count, start + 97)].reduce(0.0, +)
  }
  #expect(sum(threads) == expected)
}
