import Foundation
import Testing

@testable import DetSupport

private struct Failure: Error, Equatable {
  var index: Int
}

/// Work whose cost varies by index, so workers finish out of order.
private func uneven(_ x: Int) -> Int {
  var spin = 0
  for k in 0..<((x * 7919) % 13 * 2_000) { spin &+= k }
  return 3 * x + 1 + (spin & 0)
}

@Test(arguments: [(0, nil), (1, nil), (7, 1), (7, 2), (101, nil), (101, 3)] as [(Int, Int?)])
func orderedMapReturnsResultsInIndexOrder(count: Int, maxConcurrency: Int?) throws {
  let results = try orderedMap(count: count, maxConcurrency: maxConcurrency, uneven)
  #expect(results == (0..<count).map { 3 * $0 + 1 })
}

@Test(arguments: [1, 2, nil] as [Int?])
func orderedMapThrowsTheLowestIndexsError(maxConcurrency: Int?) throws {
  // Indices 5 and 40 fail; a serial loop stops at 5.
  #expect(throws: Failure(index: 5)) {
    try orderedMap(count: 64, maxConcurrency: maxConcurrency) { i -> Int in
      if i == 5 || i == 40 { throw Failure(index: i) }
      return uneven(i)
    }
  }
}
