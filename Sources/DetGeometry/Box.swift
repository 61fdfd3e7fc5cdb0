/// An axis-aligned box in continuous pixel coordinates, corners `(x1, y1)` top-left and
/// `(x2, y2)` bottom-right (`xyxy`).
///
/// A box is *valid* when `x2 > x1` and `y2 > y1`; its width is `x2 - x1` (no "+1"; the
/// legacy Detectron convention is an explicit opt-in elsewhere).
public struct Box: Hashable, Sendable {
  public var x1: Float
  public var y1: Float
  public var x2: Float
  public var y2: Float

  /// Creates a box from its corners, in pixels.
  public init(x1: Float, y1: Float, x2: Float, y2: Float) {
    self.x1 = x1
    self.y1 = y1
    self.x2 = x2
    self.y2 = y2
  }

  /// `x2 - x1`, in pixels; negative for an inverted box.
  public var width: Float { x2 - x1 }

  /// `y2 - y1`, in pixels; negative for an inverted box.
  public var height: Float { y2 - y1 }

  /// `width * height` when both are positive, else 0 (a degenerate box has no area).
  public var area: Float { isDegenerate ? 0 : width * height }

  /// True when the box has no interior: `x2 <= x1`, `y2 <= y1`, or any coordinate is
  /// NaN or infinite.
  public var isDegenerate: Bool {
    !(x1.isFinite && y1.isFinite && x2.isFinite && y2.isFinite) || !(x2 > x1) || !(y2 > y1)
  }
}
