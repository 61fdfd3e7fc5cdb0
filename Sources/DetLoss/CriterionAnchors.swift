import DetGeometry
import DetMatching

/// The anchors of one image as a criterion takes them: a grid (matched with the sparse
/// matcher, no M x N IoU matrix) or an arbitrary set (matched densely, streaming).
///
/// Both give the same matches; the grid form is faster for detector anchor layouts.
public enum CriterionAnchors: Sendable {
  /// Any anchor set, xyxy pixels; matched with ``IoUMatcher/match(groundTruth:anchors:ignoreRegions:)``.
  case boxes(BoxArray)
  /// Anchors of an ``AnchorGrid`` (build the index once per layout and reuse it);
  /// matched with ``IoUMatcher/match(groundTruth:in:ignoreRegions:)``.
  case grid(GridAnchorIndex)

  /// The anchor boxes, in criterion row order.
  public var boxes: BoxArray {
    switch self {
    case .boxes(let b): return b
    case .grid(let index): return index.anchors
    }
  }

  /// Matches `groundTruth` (and ignore regions) to these anchors with `matcher`.
  ///
  /// - Throws: ``MatchingError`` from the matcher.
  /// - Complexity: that of the chosen matcher path.
  func match(_ matcher: IoUMatcher, groundTruth: BoxArray, ignoreRegions: BoxArray) throws
    -> MatchResult
  {
    switch self {
    case .boxes(let b):
      return try matcher.match(groundTruth: groundTruth, anchors: b, ignoreRegions: ignoreRegions)
    case .grid(let index):
      return try matcher.match(groundTruth: groundTruth, in: index, ignoreRegions: ignoreRegions)
    }
  }
}
