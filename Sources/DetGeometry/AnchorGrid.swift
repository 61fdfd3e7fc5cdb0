/// All anchors of a feature pyramid on one image, flattened level → row `y` → column `x`
/// → anchor type, with each level's geometry.
///
/// Made by ``AnchorGenerator/anchors(for:)``.
public struct AnchorGrid: Hashable, Sendable {
  /// The image (or padded canvas) the grid covers.
  public var image: ImageSize
  /// Every anchor, `xyxy` in pixels, in the order level → y → x → type.
  public var boxes: BoxArray
  /// The levels, finest first; their ``AnchorLevel/range``s tile `0..<boxes.count`.
  public var levels: [AnchorLevel]

  /// Creates a grid from its parts.
  public init(image: ImageSize, boxes: BoxArray, levels: [AnchorLevel]) {
    self.image = image
    self.boxes = boxes
    self.levels = levels
  }

  /// The number of anchors.
  public var count: Int { boxes.count }
}

/// One pyramid level of an ``AnchorGrid``: where its anchors sit in the flat array and how
/// to find the anchors of a cell without scanning.
///
/// **Contract** (relied on by grid-aware matchers):
/// - The anchor of type `k` (`0 ..< typesPerCell`) at grid cell row `y` (`0 ..< rows`),
///   column `x` (`0 ..< columns`) is `boxes[index(y: y, x: x, type: k)]` with
///   `index = range.lowerBound + (y * columns + x) * typesPerCell + k`.
/// - Geometrically that anchor is ``cellAnchors``[k] shifted right by
///   `centerOffset + x * strideX` and down by `centerOffset + y * strideY` pixels. The
///   flat boxes are computed with each peer's own `Float` arithmetic, so this relation
///   holds up to one `Float` rounding of the sum (exactly whenever the offset and shifts
///   are integers, e.g. torchvision and detectronLegacy modes, or offset 0 / 0.5 with
///   power-of-two strides); read exact values from ``AnchorGrid/boxes``.
/// - Every anchor of type `k` has the same width and height (those of `cellAnchors[k]`,
///   up to that rounding), so the cells whose type-`k` anchor can overlap a box
///   `(bx1, by1, bx2, by2)` are the `x` with
///   `centerOffset + x * strideX + cellAnchors[k].x1 < bx2` and
///   `centerOffset + x * strideX + cellAnchors[k].x2 > bx1` (likewise for `y`).
public struct AnchorLevel: Hashable, Sendable {
  /// The level's name, `P2`... for the presets.
  public var name: String
  /// The nominal stride of the level in pixels (the configured one).
  public var stride: Int
  /// Vertical distance between neighbouring cells, in pixels. Equals ``stride`` except in
  /// the torchvision mode, where it is `imageHeight / rows` with integer division (the
  /// quirk of torchvision's `AnchorGenerator.forward`).
  public var strideY: Float
  /// Horizontal distance between neighbouring cells, in pixels (see ``strideY``).
  public var strideX: Float
  /// Grid rows: `ceil(imageHeight / stride)`.
  public var rows: Int
  /// Grid columns: `ceil(imageWidth / stride)`.
  public var columns: Int
  /// The anchors of one cell centred at `(0, 0)`, in type order (count = typesPerCell).
  public var cellAnchors: BoxArray
  /// The centre of cell `(0, 0)` in pixels, on both axes: 0 in torchvision mode,
  /// `centerOffset * stride` in detectron2 and mmdetection modes, `(stride - 1) / 2` in
  /// detectronLegacy mode.
  public var centerOffset: Float
  /// The level's anchors in ``AnchorGrid/boxes``: `rows * columns * typesPerCell` of them.
  public var range: Range<Int>

  /// Creates a level description.
  public init(
    name: String, stride: Int, strideY: Float, strideX: Float, rows: Int, columns: Int,
    cellAnchors: BoxArray, centerOffset: Float, range: Range<Int>
  ) {
    self.name = name
    self.stride = stride
    self.strideY = strideY
    self.strideX = strideX
    self.rows = rows
    self.columns = columns
    self.cellAnchors = cellAnchors
    self.centerOffset = centerOffset
    self.range = range
  }

  /// Anchor types per cell (the count of ``cellAnchors``).
  public var typesPerCell: Int { cellAnchors.count }

  /// The flat index of the anchor of type `type` at row `y`, column `x`:
  /// `range.lowerBound + (y * columns + x) * typesPerCell + type`.
  ///
  /// - Precondition: `y`, `x` and `type` are inside the level.
  /// - Complexity: O(1).
  public func index(y: Int, x: Int, type: Int) -> Int {
    precondition(
      (0..<rows).contains(y) && (0..<columns).contains(x) && (0..<typesPerCell).contains(type),
      "cell (\(y), \(x)) type \(type) outside level \(name) of \(rows)x\(columns)x\(typesPerCell)")
    return range.lowerBound + (y * columns + x) * typesPerCell + type
  }
}
