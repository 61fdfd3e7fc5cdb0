/// Draws a fixed-size training batch of positive and negative anchors, with torchvision's
/// `BalancedPositiveNegativeSampler` arithmetic and an explicit seeded generator.
///
/// With `P` positives (match `>= 0`) and `Q` negatives (``MatchLabel/background``):
/// `numPositive = min(P, Int(Double(batchSize) * positiveFraction))` and
/// `numNegative = min(Q, batchSize - numPositive)`; ignored anchors are never drawn. Each
/// set is a uniform draw without replacement: a partial Fisher-Yates shuffle of the
/// candidates in ascending index order, positives first, then negatives, from one
/// ``SeededGenerator`` (torchvision uses `torch.randperm` on the global RNG, so only the
/// counts, not the chosen anchors, can agree with it).
public struct BalancedSampler: Sendable, Hashable {
  /// Anchors per image to draw. RPN: 256; ROI heads: 512.
  public var batchSize: Int
  /// Largest share of positives in the batch. RPN: 0.5; ROI heads: 0.25.
  public var positiveFraction: Double

  /// torchvision / detectron2 RPN: 256 anchors, half positive at most.
  public static let rpn = BalancedSampler(batchSize: 256, positiveFraction: 0.5)
  /// torchvision / detectron2 ROI heads: 512 proposals, a quarter positive at most.
  public static let roi = BalancedSampler(batchSize: 512, positiveFraction: 0.25)

  /// Creates a sampler.
  ///
  /// - Precondition: `batchSize >= 0`, `positiveFraction` in `[0, 1]`.
  public init(batchSize: Int, positiveFraction: Double) {
    precondition(batchSize >= 0, "batchSize must be >= 0, got \(batchSize)")
    precondition(
      positiveFraction >= 0 && positiveFraction <= 1,
      "positiveFraction must be in [0, 1], got \(positiveFraction)")
    self.batchSize = batchSize
    self.positiveFraction = positiveFraction
  }

  /// The chosen anchors of one image.
  public struct Sample: Sendable, Hashable {
    /// Chosen positive anchors, ascending.
    public var positives: [Int]
    /// Chosen negative anchors, ascending.
    public var negatives: [Int]

    /// A sample drawn elsewhere (e.g. by another framework's sampler), so a criterion
    /// can be evaluated on exactly those anchors.
    public init(positives: [Int], negatives: [Int]) {
      self.positives = positives
      self.negatives = negatives
    }

    /// Per anchor of `count`: 1 chosen positive, 0 chosen negative, -1 not chosen (the
    /// RPN objectness-label convention).
    public func labels(count: Int) -> [Int] {
      var out = [Int](repeating: -1, count: count)
      for i in positives { out[i] = 1 }
      for i in negatives { out[i] = 0 }
      return out
    }
  }

  /// How many positives and negatives a batch takes from `positives` and `negatives`
  /// candidates (torchvision's arithmetic).
  public func counts(positives: Int, negatives: Int) -> (positives: Int, negatives: Int) {
    let p = min(positives, Int(Double(batchSize) * positiveFraction))
    return (p, min(negatives, batchSize - p))
  }

  /// Draws a batch from `matches` (a matcher's output).
  ///
  /// - Complexity: O(N).
  public func sample(_ matches: [Int], using generator: inout SeededGenerator) -> Sample {
    var positives: [Int] = []
    var negatives: [Int] = []
    for (i, m) in matches.enumerated() {
      if m >= 0 { positives.append(i) } else if m == MatchLabel.background { negatives.append(i) }
    }
    let (p, q) = counts(positives: positives.count, negatives: negatives.count)
    return Sample(
      positives: Self.draw(p, from: &positives, using: &generator),
      negatives: Self.draw(q, from: &negatives, using: &generator))
  }

  /// The first `k` items of a partial Fisher-Yates shuffle of `items`, sorted.
  private static func draw(
    _ k: Int, from items: inout [Int], using generator: inout SeededGenerator
  ) -> [Int] {
    for i in 0..<k {
      let j = i + Int(generator.uniform(below: UInt64(items.count - i)))
      items.swapAt(i, j)
    }
    return items[0..<k].sorted()
  }
}
