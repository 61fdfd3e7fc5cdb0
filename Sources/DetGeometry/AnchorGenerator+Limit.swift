extension AnchorGenerator {
  /// The most anchors one canvas may have: 10^8 (1.6 GB of `Float` boxes). Far above any
  /// real detector input (W-FPN, 800 x 1344 with the FPN preset, has 268,569), so a size
  /// that exceeds it is almost surely a typo or a corrupt record; checking it before
  /// allocating turns what would be an out-of-memory abort into an error.
  public static let maximumAnchorCount = 100_000_000

  /// The number of anchors ``anchors(for:)`` returns on `image`, checked against `limit`.
  ///
  /// The count is computed with overflow-checked arithmetic (every side up to `Int.max`
  /// is handled), so a huge size is reported, never trapped on.
  ///
  /// - Parameters:
  ///   - image: the image or padded canvas.
  ///   - limit: the largest count accepted (default ``maximumAnchorCount``).
  /// - Returns: the anchor count, at most `limit`.
  /// - Throws: ``AnchorLimitError`` when the count exceeds `limit` or does not fit in an
  ///   `Int` (its `anchorCount` is then `nil`).
  /// - Complexity: O(levels); allocates nothing.
  public func checkedAnchorCount(for image: ImageSize, limit: Int = maximumAnchorCount)
    throws(AnchorLimitError) -> Int
  {
    let count = anchorCount(for: image)
    guard let count, count <= limit else {
      throw AnchorLimitError(image: image, anchorCount: count, limit: limit)
    }
    return count
  }

  /// ``anchors(for:)`` after ``checkedAnchorCount(for:limit:)``: the one way to build the
  /// grid of a size that comes from a user or a file, so that every caller applies the same
  /// limit before allocating.
  ///
  /// - Parameters:
  ///   - image: the image or padded canvas.
  ///   - limit: the largest count accepted (default ``maximumAnchorCount``).
  /// - Returns: the grid, as ``anchors(for:)``.
  /// - Throws: ``AnchorLimitError`` (nothing allocated) when the count exceeds `limit`.
  /// - Precondition: ``configurationProblem`` is `nil`.
  /// - Complexity: O(N) for the N anchors, as ``anchors(for:)``.
  public func checkedAnchors(for image: ImageSize, limit: Int = maximumAnchorCount)
    throws(AnchorLimitError) -> AnchorGrid
  {
    _ = try checkedAnchorCount(for: image, limit: limit)
    return anchors(for: image)
  }
}

/// An image (or canvas) size whose anchor grid would exceed the anchor limit; thrown by
/// ``AnchorGenerator/checkedAnchorCount(for:limit:)`` before anything is allocated.
///
/// `description` names the size, the count and the limit, e.g. for the FPN preset
/// `100001x100001 (HxW) needs 2497844544 anchors, more than the limit of 100000000 per canvas`.
public struct AnchorLimitError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The size asked for, `HxW`.
  public var image: ImageSize
  /// The anchors it needs, or `nil` when that number does not fit in an `Int`.
  public var anchorCount: Int?
  /// The limit it exceeds.
  public var limit: Int

  public init(image: ImageSize, anchorCount: Int?, limit: Int) {
    self.image = image
    self.anchorCount = anchorCount
    self.limit = limit
  }

  public var description: String {
    let needs = anchorCount.map { "\($0) anchors" } ?? "more anchors than an Int can count"
    return "\(image) (HxW) needs \(needs), more than the limit of \(limit) per canvas"
  }
}
