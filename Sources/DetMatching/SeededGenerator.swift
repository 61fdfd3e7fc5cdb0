import DetGeometry

/// A small, fast, seedable random number generator (SplitMix64) whose output is the same
/// on every platform and Swift version, so sampled batches are reproducible.
///
/// `state += 0x9E3779B97F4A7C15`, then the output is `state` mixed by
/// `z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
/// z ^ (z >> 31)` (Steele, Lea, Flood 2014).
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable {
  /// The package's one SplitMix64, which also draws ``SyntheticBoxes``.
  private var core: SyntheticBoxes.SplitMix64

  /// Creates a generator; equal seeds give equal sequences.
  public init(seed: UInt64) { core = SyntheticBoxes.SplitMix64(state: seed) }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 { core.next() }

  /// A uniform integer in `0..<bound` by Lemire's multiply-shift with rejection, spelled
  /// out here (not `Int.random(in:using:)`, whose algorithm the standard library may
  /// change) so draws stay identical everywhere.
  ///
  /// - Precondition: `bound > 0`.
  mutating func uniform(below bound: UInt64) -> UInt64 {
    precondition(bound > 0, "uniform(below:) needs a positive bound")
    var product = next().multipliedFullWidth(by: bound)
    if product.low < bound {
      let threshold = (0 &- bound) % bound
      while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
    }
    return product.high
  }
}
