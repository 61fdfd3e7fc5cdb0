import Foundation
import Synchronization
import Testing

@testable import DetSupport

private struct Failure: Error, Equatable {
  var item: Int
}

/// A transform whose cost varies by item, so workers finish out of order.
private func slowSquare(_ x: Int) -> Int {
  var spin = 0
  for k in 0..<((x * 7919) % 13 * 2_000) { spin &+= k }
  return x * x + (spin & 0)
}

@Test(arguments: [(1, 1), (1, nil), (3, nil), (8, 2), (8, nil), (64, nil)] as [(Int, Int?)])
func orderedParallelMapConsumesInInputOrder(window: Int, maxConcurrency: Int?) throws {
  var consumed: [Int] = []
  try orderedParallelMap(
    window: window, maxConcurrency: maxConcurrency,
    produce: { yield in for x in 0..<101 { try yield(x) } },
    transform: slowSquare,
    consume: { consumed.append($0) })
  #expect(consumed == (0..<101).map { $0 * $0 })
}

@Test func orderedParallelMapRunsTransformsOnSeveralThreads() throws {
  // Each transform waits (up to 10 s) until two are running at once: only possible when
  // they run concurrently. Skipped on a machine with one core.
  guard ProcessInfo.processInfo.activeProcessorCount >= 2 else { return }
  let running = Atomic<Int>(0)
  let overlapped = Atomic<Bool>(false)
  try orderedParallelMap(
    window: 2, maxConcurrency: 2,
    produce: { yield in for x in 0..<2 { try yield(x) } },
    transform: { (x: Int) -> Int in
      running.add(1, ordering: .sequentiallyConsistent)
      let deadline = Date().addingTimeInterval(10)
      while Date() < deadline {
        if running.load(ordering: .sequentiallyConsistent) == 2 {
          overlapped.store(true, ordering: .sequentiallyConsistent)
          break
        }
        usleep(100)
      }
      return x
    },
    consume: { _ in })
  let didOverlap = overlapped.load(ordering: .sequentiallyConsistent)
  #expect(didOverlap)
}

@Test(arguments: [1, 4, 16])
func orderedParallelMapStopsAtTheFirstFailingTransformInOrder(window: Int) {
  var consumed: [Int] = []
  // Items 13 and 14 both fail; 14 may finish first, but the serial order reports 13.
  #expect(throws: Failure(item: 13)) {
    try orderedParallelMap(
      window: window,
      produce: { yield in for x in 0..<40 { try yield(x) } },
      transform: { (x: Int) throws -> Int in
        if x == 13 || x == 14 { throw Failure(item: x) }
        return slowSquare(x)
      },
      consume: { consumed.append($0) })
  }
  #expect(consumed == (0..<13).map { $0 * $0 })
}

@Test(arguments: [1, 4, 16])
func orderedParallelMapFinishesYieldedItemsBeforeAProducerError(window: Int) {
  var consumed: [Int] = []
  #expect(throws: Failure(item: -1)) {
    try orderedParallelMap(
      window: window,
      produce: { yield in
        for x in 0..<10 { try yield(x) }
        throw Failure(item: -1)
      },
      transform: slowSquare,
      consume: { consumed.append($0) })
  }
  #expect(consumed == (0..<10).map { $0 * $0 })
}

@Test func orderedParallelMapConsumerErrorStopsTheStream() {
  var consumed: [Int] = []
  var produced = 0
  #expect(throws: Failure(item: 5)) {
    try orderedParallelMap(
      window: 4,
      produce: { yield in
        for x in 0..<100 {
          produced += 1
          try yield(x)
        }
      },
      transform: { $0 },
      consume: {
        if $0 == 5 { throw Failure(item: 5) }
        consumed.append($0)
      })
  }
  #expect(consumed == [0, 1, 2, 3, 4])
  #expect(produced == 8, "the producer stops at the window that failed")
}
