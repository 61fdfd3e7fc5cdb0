import DetGeometry
import DetStore

/// The shape of one batch as a detector sees it: the padded canvas every image of the batch
/// shares, each pyramid level's grid on it, the anchors per cell and the anchor count `N`
/// of every image's head outputs.
///
/// The canvas is the largest resized height and the largest resized width of the batch,
/// each rounded up to the framework's size divisor (torchvision `batch_images`, detectron2
/// `ImageList.from_tensors`, mmdetection `pad_size_divisor`); a level of stride `s` has
/// `ceil(H / s) x ceil(W / s)` cells.
public struct BatchLayout: Sendable, Hashable {
  /// One pyramid level on the canvas.
  public struct Level: Sendable, Hashable {
    /// `P3`...
    public var name: String
    /// The nominal stride in pixels.
    public var stride: Int
    /// Grid rows (`H_l`) and columns (`W_l`).
    public var rows: Int
    public var columns: Int
    /// Anchor types per cell of this level (`A_l`).
    public var anchorsPerCell: Int
  }

  /// The batch's images, in batch order (empty when the layout was made from sizes alone).
  public var imageIDs: [RecordID]
  /// The padded canvas, height x width.
  public var canvas: ImageSize
  /// Each image's resized size (before padding), in batch order.
  public var imageSizes: [ImageSize]
  /// The levels, finest first.
  public var levels: [Level]
  /// Anchor types per cell (`A`) when every level has as many (the presets), else `nil`
  /// (an anchor configuration whose levels differ: see each level's).
  public var anchorsPerCell: Int?
  /// Anchors per image: `sum over levels of rows x columns x A_l`.
  public var anchorCount: Int

  /// The layout of a batch of images resized to `imageSizes`, padded to a multiple of
  /// `divisor`, under `generator`'s levels.
  ///
  /// - Precondition: `imageSizes` is not empty; `divisor >= 1`.
  /// - Complexity: O(images + levels).
  public init(
    imageSizes: [ImageSize], divisor: Int, generator: AnchorGenerator, imageIDs: [RecordID] = []
  ) {
    self.imageIDs = imageIDs
    precondition(!imageSizes.isEmpty, "a batch needs at least one image")
    precondition(divisor >= 1, "the size divisor must be >= 1, got \(divisor)")
    let h = imageSizes.map(\.height).max()!
    let w = imageSizes.map(\.width).max()!
    let canvas = ImageSize(
      height: (h + divisor - 1) / divisor * divisor, width: (w + divisor - 1) / divisor * divisor)
    self.canvas = canvas
    self.imageSizes = imageSizes
    levels = generator.levels.indices.map { i in
      let (rows, columns) = generator.gridSize(ofLevel: i, for: canvas)
      return Level(
        name: generator.levels[i].name, stride: generator.levels[i].stride, rows: rows,
        columns: columns, anchorsPerCell: generator.typesPerCell(ofLevel: i))
    }
    let perLevel = Set(levels.map(\.anchorsPerCell))
    anchorsPerCell = perLevel.count == 1 ? perLevel.first : nil
    anchorCount = levels.reduce(0) { $0 + $1.rows * $1.columns * $1.anchorsPerCell }
  }

  /// `A` as text, for messages: `9`, or per level `[9, 9, 6]`.
  public var anchorsPerCellText: String {
    anchorsPerCell.map(String.init)
      ?? "[" + levels.map { String($0.anchorsPerCell) }.joined(separator: ", ") + "]"
  }

  /// `[[H_0, W_0], [H_1, W_1], ...]` as text, for messages.
  public var levelShapes: String {
    "[" + levels.map { "[\($0.rows), \($0.columns)]" }.joined(separator: ", ") + "]"
  }
}
