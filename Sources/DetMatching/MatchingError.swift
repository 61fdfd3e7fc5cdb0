import DetGeometry

/// Why a matching call rejected its input.
///
/// Every case names the array and the row at fault, and what was expected there.
public enum MatchingError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Ground-truth box `index` has zero or negative width or height, a NaN or infinite
  /// coordinate, or an area that overflows `Float`.
  case degenerateGroundTruth(index: Int, box: Box)
  /// Anchor `index` has a NaN or infinite coordinate.
  case nonFiniteAnchor(index: Int, box: Box)
  /// Ignore region `index` has a NaN or infinite coordinate.
  case nonFiniteIgnoreRegion(index: Int, box: Box)

  public var description: String {
    switch self {
    case .degenerateGroundTruth(let index, let box):
      return "ground truth row \(index): box \(Self.format(box)) is degenerate; expected finite"
        + " x2 > x1 and y2 > y1 (skip such rows with DegenerateGroundTruth.skip)"
    case .nonFiniteAnchor(let index, let box):
      return "anchor row \(index): box \(Self.format(box)) has a non-finite coordinate;"
        + " expected four finite values"
    case .nonFiniteIgnoreRegion(let index, let box):
      return "ignore region row \(index): box \(Self.format(box)) has a non-finite"
        + " coordinate; expected four finite values"
    }
  }

  private static func format(_ box: Box) -> String {
    "[\(box.x1), \(box.y1), \(box.x2), \(box.y2)]"
  }
}
