import Foundation

/// Generates the anchor grid of a feature pyramid: for every level, one set of "cell"
/// anchors (every combination of size x scale x aspect ratio) repeated at every cell of
/// a `ceil(H / stride) x ceil(W / stride)` grid.
///
/// Conventions (shared by every mode):
/// - **Aspect ratio is height / width**: a ratio of 2 gives an anchor twice as tall as wide.
///   For a nominal size `s` (after scaling), the unrounded extents are
///   `width = s / sqrt(r)`, `height = s * sqrt(r)`, so the area is `s²`.
/// - **Order** of the flat output: level, then row `y`, then column `x`, then anchor type.
///   The type order inside a cell is ``typeOrder`` (fixed per ``Compatibility`` mode).
/// - A level's effective sizes are `size * scale` for every entry of ``scales`` (so the
///   FPN preset has one size per level and scale 1, RetinaNet three octave scales).
///
/// Each ``Compatibility`` mode reproduces one framework bit for bit in `Float` and in the
/// same order; the presets ``fpn(compatibility:centerOffset:)`` and
/// ``retinanet(compatibility:centerOffset:)`` are those frameworks' default configurations.
/// ``detectron2`` is the default mode.
public struct AnchorGenerator: Hashable, Sendable {
  /// Which framework's arithmetic, rounding and type order to reproduce.
  public enum Compatibility: String, Hashable, Sendable, CaseIterable {
    /// torchvision `AnchorGenerator`: half-extents rounded half-to-even to integers
    /// (a size of 45 gives a 44 x 44 anchor), ratio-major types, no centre offset, sizes
    /// `int(size * scale)` truncated as in `retinanet._default_anchorgen`, and the stride
    /// of each axis taken as `imageSide / gridSide` with integer division (on 800 x 1344
    /// the RetinaNet P6 strides are 61 vertically and 64 horizontally).
    case torchvision
    /// detectron2 `DefaultAnchorGenerator`: unrounded extents computed in `Double` and
    /// stored as `Float`, size-major types, shift `offset * stride + k * stride`; the
    /// offset defaults to 0 like `MODEL.ANCHOR_GENERATOR.OFFSET`.
    case detectron2
    /// mmdetection `AnchorGenerator` with `base_sizes` equal to the strides (its default)
    /// and scales `size / stride * scale`: unrounded `Float` arithmetic, centre
    /// `center_offset * stride`, type order from its `scale_major` flag (``scaleMajor``).
    case mmdetection
    /// Detectron / py-faster-rcnn `generate_anchors`: the "+1 pixel" convention (a
    /// reference window `(0, 0, stride - 1, stride - 1)` centred at `(stride - 1) / 2`,
    /// widths `round(sqrt(stride² / r))` rounded half-to-even, corners
    /// `centre ± (w - 1) / 2`), ratio-major types, no extra offset.
    case detectronLegacy
  }

  /// The order of anchor types inside one cell.
  public enum TypeOrder: String, Hashable, Sendable, CaseIterable {
    /// Ratio in the outer loop, size x scale in the inner loop:
    /// `type = ratioIndex * sizeCount + sizeIndex` (torchvision, Detectron, mmdetection's
    /// `scale_major=True`).
    case ratioMajor
    /// Size x scale in the outer loop, ratio in the inner loop:
    /// `type = sizeIndex * ratioCount + ratioIndex` (detectron2, mmdetection's
    /// `scale_major=False`).
    case sizeMajor
  }

  /// One pyramid level: its name (`P2`...), stride in pixels and base anchor size in
  /// pixels (the side of the square anchor of ratio 1 and scale 1).
  public struct Level: Hashable, Sendable {
    public var name: String
    public var stride: Int
    public var size: Double

    public init(name: String, stride: Int, size: Double) {
      self.name = name
      self.stride = stride
      self.size = size
    }
  }

  /// The named default configurations.
  public enum Preset: String, Hashable, Sendable, CaseIterable {
    /// FPN RPN: P2...P6, strides 4...64, sizes 32...512 (one per level), ratios 0.5, 1, 2:
    /// 3 types per cell, 15 anchor types in all.
    case fpn
    /// RetinaNet: P3...P7, strides 8...128, sizes 32...512 x octave scales
    /// `2^0, 2^(1/3), 2^(2/3)` x ratios 0.5, 1, 2: 9 types per cell.
    case retinanet
  }

  /// The levels, finest first.
  public var levels: [Level]
  /// Aspect ratios as **height / width**, in the order they enter ``typeOrder``.
  public var aspectRatios: [Double]
  /// Multipliers of each level's size (octave scales), in type order.
  public var scales: [Double]
  /// Centre of cell `(0, 0)` as a fraction of the stride (detectron2's `offset`,
  /// mmdetection's `center_offset`); must be 0 in the torchvision and detectronLegacy
  /// modes, which have no such parameter.
  public var centerOffset: Double
  /// The framework whose arithmetic is reproduced.
  public var compatibility: Compatibility
  /// mmdetection's `scale_major` flag, read only in the ``Compatibility/mmdetection``
  /// mode. `true` (mmdetection's default) gives ``TypeOrder/ratioMajor`` despite its name.
  public var scaleMajor: Bool

  /// Creates a generator.
  ///
  /// - Parameters:
  ///   - levels: the pyramid levels, finest first.
  ///   - aspectRatios: height / width ratios.
  ///   - scales: multipliers of each level's size; `[1]` for one size per level.
  ///   - centerOffset: fraction of the stride (see ``centerOffset``).
  ///   - compatibility: the framework to reproduce (default ``Compatibility/detectron2``).
  ///   - scaleMajor: mmdetection's `scale_major` flag.
  /// - Precondition: ``configurationProblem`` is `nil` when anchors are generated.
  public init(
    levels: [Level], aspectRatios: [Double], scales: [Double] = [1], centerOffset: Double = 0,
    compatibility: Compatibility = .detectron2, scaleMajor: Bool = true
  ) {
    self.levels = levels
    self.aspectRatios = aspectRatios
    self.scales = scales
    self.centerOffset = centerOffset
    self.compatibility = compatibility
    self.scaleMajor = scaleMajor
  }

  /// The preset's levels, ratios and scales in the given mode.
  public init(preset: Preset, compatibility: Compatibility = .detectron2, centerOffset: Double = 0)
  {
    switch preset {
    case .fpn:
      self.init(
        levels: (2...6).map { Level(name: "P\($0)", stride: 1 << $0, size: Double(8 << $0)) },
        aspectRatios: [0.5, 1, 2], scales: [1], centerOffset: centerOffset,
        compatibility: compatibility)
    case .retinanet:
      self.init(
        levels: (3...7).map { Level(name: "P\($0)", stride: 1 << $0, size: Double(4 << $0)) },
        aspectRatios: [0.5, 1, 2], scales: AnchorGenerator.octaveScales(perOctave: 3),
        centerOffset: centerOffset, compatibility: compatibility)
    }
  }

  /// The FPN preset (see ``Preset/fpn``).
  public static func fpn(compatibility: Compatibility = .detectron2, centerOffset: Double = 0)
    -> AnchorGenerator
  {
    AnchorGenerator(preset: .fpn, compatibility: compatibility, centerOffset: centerOffset)
  }

  /// The RetinaNet preset (see ``Preset/retinanet``).
  public static func retinanet(
    compatibility: Compatibility = .detectron2, centerOffset: Double = 0
  ) -> AnchorGenerator {
    AnchorGenerator(preset: .retinanet, compatibility: compatibility, centerOffset: centerOffset)
  }

  /// `2^(i / n)` for `i` in `0..<n`, computed as the peers do (`2 ** (i / n)` in `Double`).
  public static func octaveScales(perOctave n: Int) -> [Double] {
    precondition(n > 0, "scales per octave must be positive, got \(n)")
    return (0..<n).map { $0 == 0 ? 1 : pow(2, Double($0) / Double(n)) }
  }

  /// The type order inside a cell: ratio-major for torchvision and Detectron, size-major
  /// for detectron2, and mmdetection's ``scaleMajor`` flag (true: ratio-major).
  public var typeOrder: TypeOrder {
    switch compatibility {
    case .torchvision, .detectronLegacy: .ratioMajor
    case .detectron2: .sizeMajor
    case .mmdetection: scaleMajor ? .ratioMajor : .sizeMajor
    }
  }

  /// Anchor types per cell: `scales.count * aspectRatios.count`, the same on every level.
  public var typesPerCell: Int { scales.count * aspectRatios.count }

  /// `nil` when the configuration can generate anchors; otherwise what is wrong, in words
  /// fit for a command-line message.
  public var configurationProblem: String? {
    if levels.isEmpty { return "at least one level is needed" }
    if aspectRatios.isEmpty { return "at least one aspect ratio is needed" }
    if scales.isEmpty { return "at least one scale is needed" }
    for level in levels {
      if level.stride <= 0 {
        return "stride of \(level.name) must be positive, got \(level.stride)"
      }
      if !(level.size.isFinite && level.size > 0) {
        return "size of \(level.name) must be positive and finite, got \(level.size)"
      }
    }
    if let r = aspectRatios.first(where: { !($0.isFinite && $0 > 0) }) {
      return "aspect ratios (height/width) must be positive and finite, got \(r)"
    }
    if let s = scales.first(where: { !($0.isFinite && $0 > 0) }) {
      return "scales must be positive and finite, got \(s)"
    }
    switch compatibility {
    case .torchvision, .detectronLegacy:
      if centerOffset != 0 {
        return "\(compatibility.rawValue) has no centre offset; got \(centerOffset), expected 0"
      }
    case .detectron2, .mmdetection:
      if !(centerOffset >= 0 && centerOffset < 1) {
        return "centre offset must be in [0, 1) of a stride, got \(centerOffset)"
      }
    }
    if compatibility == .torchvision {
      for level in levels {
        if let s = scales.first(where: { level.size * $0 < 1 }) {
          return
            "torchvision truncates sizes to integers: \(level.name) size \(level.size) x scale \(s) is below 1"
        }
      }
    }
    return nil
  }

  /// Grid of level `index` on `image`: `ceil(H / stride) x ceil(W / stride)`.
  ///
  /// Computed without overflow for every side up to `Int.max` (as `H / s` plus one when
  /// `s` does not divide `H`, never `H + s - 1`).
  ///
  /// - Complexity: O(1).
  public func gridSize(ofLevel index: Int, for image: ImageSize) -> (rows: Int, columns: Int) {
    let stride = levels[index].stride
    func ceilDivide(_ side: Int) -> Int { side / stride + (side % stride == 0 ? 0 : 1) }
    return (ceilDivide(image.height), ceilDivide(image.width))
  }

  /// The number of anchors ``anchors(for:)`` returns on `image`, or `nil` if it does not
  /// fit in an `Int`.
  ///
  /// - Complexity: O(levels).
  public func anchorCount(for image: ImageSize) -> Int? {
    var total = 0
    for index in levels.indices {
      let (rows, columns) = gridSize(ofLevel: index, for: image)
      let (cells, o1) = rows.multipliedReportingOverflow(by: columns)
      let (count, o2) = cells.multipliedReportingOverflow(by: typesPerCell)
      let (sum, o3) = total.addingReportingOverflow(count)
      if o1 || o2 || o3 { return nil }
      total = sum
    }
    return total
  }
}
