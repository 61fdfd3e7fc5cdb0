import DetMatching
import Testing

/// `positiveAnchors(in:)` skips blocks of 16 whose AND is negative: it must still find
/// every entry >= 0, in order, wherever it sits in or around a block.
@Test(arguments: [0, 1, 15, 16, 17, 31, 32, 33, 250])
func positiveAnchorsAreEveryNonNegativeEntryInOrder(count: Int) {
  var rng = TestRNG(seed: UInt64(count))
  // Background and ignored labels, a lone positive in each position in turn, positives at
  // the ends of blocks, runs of them, and the largest values.
  var cases: [[Int]] = [
    [Int](repeating: -1, count: count), [Int](repeating: -2, count: count),
    [Int](repeating: 0, count: count), (0..<count).map { $0 % 16 == 15 ? 3 : -1 },
    (0..<count).map { $0 % 16 == 0 ? Int.max : Int.min },
  ]
  for position in 0..<count {
    var lone = [Int](repeating: -1, count: count)
    lone[position] = position % 3
    cases.append(lone)
  }
  for _ in 0..<20 {
    cases.append((0..<count).map { _ in rng.next() % 7 == 0 ? Int(rng.next() % 100) : -1 })
  }
  for matches in cases {
    let expected = matches.indices.filter { matches[$0] >= 0 }
    #expect(MatchResult.positiveAnchors(in: matches) == expected, "\(matches)")
  }
}
