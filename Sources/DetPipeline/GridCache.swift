import DetGeometry
import DetMatching

/// Anchor grids and their indexes, made once per canvas size.
///
/// A dataset resized by a peer's policy has few distinct canvases (COCO: a few dozen), so
/// a grid is built once and reused; at most ``capacity`` are kept (the cache empties when
/// full: a dataset of many sizes costs a rebuild, never unbounded memory).
public struct GridCache {
  /// The generator the grids come from.
  public let generator: AnchorGenerator
  /// The most grids kept.
  public static let capacity = 16
  private var grids: [ImageSize: (AnchorGrid, GridAnchorIndex)] = [:]

  /// An empty cache over `generator`.
  public init(_ generator: AnchorGenerator) { self.generator = generator }

  /// The anchors of `image`'s canvas and their grid index.
  ///
  /// - Throws: ``PipelineError`` (``PipelineError/Code/anchorLimit``) naming the image when
  ///   its canvas needs more anchors than the library's limit (nothing is allocated then).
  /// - Complexity: O(1) for a cached canvas; else the grid's generation and indexing,
  ///   O(anchors).
  public mutating func grid(for image: PipelineImage) throws(PipelineError) -> (
    AnchorGrid, GridAnchorIndex
  ) {
    let canvas = image.canvas
    if let g = grids[canvas] { return g }
    if grids.count >= Self.capacity { grids.removeAll() }
    let grid = try image.anchors(generator)
    let g = (grid, GridAnchorIndex(grid))
    grids[canvas] = g
    return g
  }
}
