/// The size of an image (or a padded batch canvas) in pixels, height first, as written on
/// the command line (`800x1344` is 800 high and 1344 wide).
public struct ImageSize: Hashable, Sendable, CustomStringConvertible {
  /// Rows, in pixels.
  public var height: Int
  /// Columns, in pixels.
  public var width: Int

  /// Creates a size.
  ///
  /// - Precondition: both sides are positive.
  public init(height: Int, width: Int) {
    precondition(height > 0 && width > 0, "image size must be positive, got \(height)x\(width)")
    self.height = height
    self.width = width
  }

  /// Parses `HxW` (for example `800x1344`); `nil` unless both sides are positive integers.
  public init?(parsing text: String) {
    let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
    guard parts.count == 2, let h = Int(parts[0]), let w = Int(parts[1]), h > 0, w > 0 else {
      return nil
    }
    self.init(height: h, width: w)
  }

  /// `HxW`.
  public var description: String { "\(height)x\(width)" }
}
