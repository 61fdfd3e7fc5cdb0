import DetGeometry

/// The seeded generator of the property tests: the project's SplitMix64.
typealias SplitMix64 = SyntheticBoxes.SplitMix64
