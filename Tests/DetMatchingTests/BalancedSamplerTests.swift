import DetMatching
import Foundation
import Testing

@Test func samplerCountsMatchTorchvision() throws {
  let cases = try Golden.load("matching_sampler.json")["cases"] as! [[String: Any]]
  #expect(cases.count == 49)
  for c in cases {
    let int = { (key: String) in (c[key] as! NSNumber).intValue }
    let sampler = BalancedSampler(
      batchSize: int("batch"), positiveFraction: (c["fraction"] as! NSNumber).doubleValue)
    let matches =
      [Int](repeating: 3, count: int("positives")) + [Int](repeating: -1, count: int("negatives"))
      + [Int](repeating: -2, count: int("ignored"))
    var generator = SeededGenerator(seed: 1)
    let sample = sampler.sample(matches, using: &generator)
    #expect(sample.positives.count == int("num_pos"), "\(c)")
    #expect(sample.negatives.count == int("num_neg"), "\(c)")
    #expect(sample.positives.allSatisfy { matches[$0] >= 0 })
    #expect(sample.negatives.allSatisfy { matches[$0] == -1 })
    #expect(Set(sample.positives).count == sample.positives.count)
    #expect(Set(sample.negatives).count == sample.negatives.count)
  }
}

@Test func samplingIsReproducibleAndSeedDependent() {
  let matches = (0..<2000).map { $0 % 7 == 0 ? $0 % 5 : ($0 % 3 == 0 ? -2 : -1) }
  var a = SeededGenerator(seed: 42)
  var b = SeededGenerator(seed: 42)
  var c = SeededGenerator(seed: 43)
  let first = BalancedSampler.rpn.sample(matches, using: &a)
  #expect(first == BalancedSampler.rpn.sample(matches, using: &b))
  #expect(first != BalancedSampler.rpn.sample(matches, using: &c))
  #expect(first.positives.count == 128 && first.negatives.count == 128)
  let labels = first.labels(count: matches.count)
  #expect(labels.filter { $0 == 1 }.count == 128)
  #expect(labels.filter { $0 == 0 }.count == 128)
}

@Test func drawsAreUniformOverCandidates() {
  // 100 negatives, 10 drawn, 20000 times: each is drawn 2000 times on average; a
  // binomial standard deviation is ~42, so +-250 (6 sigma) fails only on a real bias.
  let matches = [Int](repeating: -1, count: 100)
  let sampler = BalancedSampler(batchSize: 10, positiveFraction: 0.5)
  var generator = SeededGenerator(seed: 9)
  var hits = [Int](repeating: 0, count: 100)
  for _ in 0..<20000 {
    for i in sampler.sample(matches, using: &generator).negatives { hits[i] += 1 }
  }
  #expect(hits.allSatisfy { abs($0 - 2000) < 250 })
}
