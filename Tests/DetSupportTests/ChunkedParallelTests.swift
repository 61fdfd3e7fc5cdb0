import Foundation
import Testing

@testable import DetSupport

/// Values whose sum depends on the order of addition (magnitudes from 1e-3 to 1e6).
private func unevenValues(_ count: Int) -> [Double] {
  (0..<count).map { i in
    let k = Double((i &* 7919) % 10_007)
    return (k - 5003.5) * (i % 3 == 0 ? 199.7 : 1e-3)
  }
}

@Test(arguments: [1, 2, 3, 5, 16])
func chunkedSumIsIndependentOfConcurrency(threads: Int) {
  let values = unevenValues(10_007)
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

@Test func chunkedSumOfNothingIsZeroAndOneChunkIsTheBodyItself() {
  var calls = 0
  #expect(
    chunkedSum(count: 0, chunkSize: 8) { _ in
      calls += 1
      return 1
    } == 0)
  #expect(calls == 0)
  #expect(chunkedSum(count: 5, chunkSize: 8) { $0 == 0..<5 ? 42 : -1 } == 42)
}

@Test(arguments: [(0, 4), (1, 4), (4, 4), (9, 4), (10, 3), (100_000, 4096)])
func fixedSizePlanCoversEveryItemOnceInOrder(count: Int, size: Int) {
  let plan = ChunkPlan(count: count, chunkSize: size)
  #expect(plan.chunkCount == (count + size - 1) / size)
  var next = 0
  for c in 0..<plan.chunkCount {
    let range = plan.range(c)
    #expect(range.lowerBound == next)
    #expect(range.count == (c < plan.chunkCount - 1 ? size : count - next))
    next = range.upperBound
  }
  #expect(next == count)
}

/// `chunksPerCore` chunks a core: equal sizes of `ceil(count / (k × cores))` but the last,
/// covering every item once, with never more than `k × cores` chunks.
@Test(arguments: [0, 1, 3, 100, 101, 268_569])
func perCorePlanSplitsIntoAFewChunksACore(count: Int) {
  let cores = ProcessInfo.processInfo.activeProcessorCount
  for perCore in [1, 2, 4] {
    let plan = ChunkPlan(count: count, chunksPerCore: perCore)
    let chunks = perCore * cores
    #expect(plan.size == max(1, (count + chunks - 1) / chunks))
    #expect(plan.chunkCount <= chunks)
    var covered = 0
    for c in 0..<plan.chunkCount {
      let range = plan.range(c)
      #expect(range.lowerBound == covered)
      covered = range.upperBound
    }
    #expect(covered == count)
  }
}

@Test(arguments: [0, 1, 9, 2047, 2048, 100_000, 1_000_003])
func coreSizedPlanKeepsChunksAboveTheMinimum(count: Int) {
  let plan = ChunkPlan(count: count, minimumChunk: 2048)
  #expect(plan.chunkCount >= 1)
  var covered = 0
  for c in 0..<plan.chunkCount {
    let range = plan.range(c)
    #expect(range.lowerBound == min(count, covered))
    covered = range.upperBound
    // Only the last non-empty chunk may be short, and none is below the minimum unless it
    // is the only one.
    if plan.chunkCount > 1 && !range.isEmpty && range.upperBound < count {
      #expect(range.count >= 2048)
    }
  }
  #expect(covered == count)
}

@Test(arguments: [true, false])
func forEachChunkVisitsEveryNonEmptyChunkOnce(parallel: Bool) {
  let plan = ChunkPlan(count: 100_003, chunkSize: 1000)
  var seen = [Int](repeating: 0, count: plan.count)
  var chunkOf = [Int](repeating: -1, count: plan.chunkCount)
  seen.withUnsafeMutableBufferPointer { seen in
    chunkOf.withUnsafeMutableBufferPointer { chunkOf in
      nonisolated(unsafe) let (seen, chunkOf) = (seen, chunkOf)
      forEachChunk(plan, parallel: parallel) { chunk, range in
        chunkOf[chunk] = range.lowerBound
        for i in range { seen[i] += 1 }
      }
    }
  }
  #expect(seen.allSatisfy { $0 == 1 })
  #expect(chunkOf == (0..<plan.chunkCount).map { $0 * 1000 })
}

@Test func serialRunsAreInChunkOrderOnTheCallersThread() {
  var order: [Int] = []
  forEachChunk(ChunkPlan(count: 50, chunkSize: 7), parallel: false) { chunk, _ in
    order.append(chunk)
  }
  #expect(order == Array(0..<8))
  order = []
  forEachChunk(ChunkPlan(count: 50, chunkSize: 7), maxConcurrency: 1) { chunk, _ in
    order.append(chunk)
  }
  #expect(order == Array(0..<8))
}
