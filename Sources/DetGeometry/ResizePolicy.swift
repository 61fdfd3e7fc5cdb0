/// How a detector's input transform resizes an image and pads it before the backbone,
/// and how ground-truth boxes follow.
///
/// Both peers scale so that the shorter side becomes `shortestEdge` unless the longer
/// side would then exceed `longestEdge`, in which case the longer side becomes
/// `longestEdge`. They differ in rounding and in the arithmetic applied to boxes:
///
/// - ``Style/torchvision``: `GeneralizedRCNNTransform` in evaluation mode.
///   `scale = min(short / min(h, w), long / max(h, w))` in `Double`; the new size is
///   `floor(h * scale) x floor(w * scale)` (what `interpolate(recompute_scale_factor=True)`
///   produces); boxes are multiplied by the `Float` ratios `newW / oldW` and `newH / oldH`.
/// - ``Style/detectron2``: `ResizeShortestEdge`. The shorter side becomes exactly `short`,
///   the other `scale * side`; if the longer side exceeds `long`, both are multiplied by
///   `long / longer`; each is then rounded with `Int(x + 0.5)`. Boxes are multiplied by
///   `newW / oldW` (resp. `newH / oldH`) in `Double` and rounded to `Float` once.
///
/// The padded canvas is the resized size rounded up to a multiple of
/// `sizeDivisibility` (32 for FPN backbones); padding adds rows and columns at the
/// bottom and right, so boxes do not move.
public struct ResizePolicy: Hashable, Sendable {
  /// Whose rounding and box arithmetic to reproduce.
  public enum Style: String, Hashable, Sendable, CaseIterable {
    case torchvision
    case detectron2
    case mmdetection
  }

  /// Target length of the shorter side, in pixels (800 for COCO training).
  public var shortestEdge: Int
  /// Upper bound on the longer side, in pixels (1333 for COCO training).
  public var longestEdge: Int
  /// The padded canvas is a multiple of this in both directions (1: no padding).
  public var sizeDivisibility: Int
  /// Rounding and box arithmetic.
  public var style: Style

  /// Creates a policy.
  ///
  /// - Precondition: all lengths are positive.
  public init(
    shortestEdge: Int = 800, longestEdge: Int = 1333, sizeDivisibility: Int = 32, style: Style
  ) {
    precondition(
      shortestEdge > 0 && longestEdge > 0 && sizeDivisibility > 0,
      "resize lengths must be positive: short \(shortestEdge), long \(longestEdge), divisibility \(sizeDivisibility)"
    )
    self.shortestEdge = shortestEdge
    self.longestEdge = longestEdge
    self.sizeDivisibility = sizeDivisibility
    self.style = style
  }

  /// torchvision's detection defaults: 800 / 1333, padded to 32.
  public static let torchvision = ResizePolicy(style: .torchvision)
  /// detectron2's COCO defaults (`INPUT.MIN_SIZE_TEST 800`, `MAX_SIZE_TEST 1333`,
  /// `SIZE_DIVISIBILITY 32` for FPN).
  public static let detectron2 = ResizePolicy(style: .detectron2)
  /// mmdetection's COCO RetinaNet defaults (`scale=(1333, 800)`, `pad_size_divisor=32`).
  public static let mmdetection = ResizePolicy(style: .mmdetection)

  /// The size of `image` after resizing, before padding.
  ///
  /// - Complexity: O(1).
  public func resizedSize(of image: ImageSize) -> ImageSize {
    let h = Double(image.height)
    let w = Double(image.width)
    switch style {
    case .torchvision:
      let scale = min(Double(shortestEdge) / min(h, w), Double(longestEdge) / max(h, w))
      return ImageSize(
        height: max(1, Int((h * scale).rounded(.down))),
        width: max(1, Int((w * scale).rounded(.down))))
    case .detectron2:
      let short = Double(shortestEdge)
      let scale = short / min(h, w)
      var (newH, newW) = h < w ? (short, scale * w) : (scale * h, short)
      let longer = max(newH, newW)
      if longer > Double(longestEdge) {
        let shrink = Double(longestEdge) / longer
        newH *= shrink
        newW *= shrink
      }
      return ImageSize(height: max(1, Int(newH + 0.5)), width: max(1, Int(newW + 0.5)))
    case .mmdetection:
      let scale = min(Double(longestEdge) / max(h, w), Double(shortestEdge) / min(h, w))
      return ImageSize(
        height: max(1, Int(h * scale + 0.5)), width: max(1, Int(w * scale + 0.5)))
    }
  }

  /// `size` rounded up to a multiple of ``sizeDivisibility`` on both sides.
  ///
  /// - Complexity: O(1).
  public func paddedSize(of size: ImageSize) -> ImageSize {
    let d = sizeDivisibility
    return ImageSize(height: (size.height + d - 1) / d * d, width: (size.width + d - 1) / d * d)
  }

  /// The padded canvas of one image: `paddedSize(of: resizedSize(of: image))`.
  public func canvasSize(of image: ImageSize) -> ImageSize {
    paddedSize(of: resizedSize(of: image))
  }

  /// `boxes` (in `image`'s pixels) mapped into the resized image, with the arithmetic of
  /// ``style``. NaN and infinite coordinates pass through scaled (they stay non-finite).
  ///
  /// - Complexity: O(n).
  public func resize(_ boxes: BoxArray, from image: ImageSize) -> BoxArray {
    let target = resizedSize(of: image)
    var out = boxes
    switch style {
    case .mmdetection:
      let rx = Float(Double(target.width) / Double(image.width))
      let ry = Float(Double(target.height) / Double(image.height))
      let (w, h) = (Float(target.width), Float(target.height))
      out.withUnsafeMutableBufferPointer { v in
        var i = 0
        while i < v.count {
          v[i] = min(max(v[i] * rx, 0), w)
          v[i + 1] = min(max(v[i + 1] * ry, 0), h)
          v[i + 2] = min(max(v[i + 2] * rx, 0), w)
          v[i + 3] = min(max(v[i + 3] * ry, 0), h)
          i += 4
        }
      }
    case .torchvision:
      let rx = Float(target.width) / Float(image.width)
      let ry = Float(target.height) / Float(image.height)
      out.withUnsafeMutableBufferPointer { v in
        var i = 0
        while i < v.count {
          v[i] *= rx
          v[i + 1] *= ry
          v[i + 2] *= rx
          v[i + 3] *= ry
          i += 4
        }
      }
    case .detectron2:
      let rx = Double(target.width) / Double(image.width)
      let ry = Double(target.height) / Double(image.height)
      out.withUnsafeMutableBufferPointer { v in
        var i = 0
        while i < v.count {
          v[i] = Float(Double(v[i]) * rx)
          v[i + 1] = Float(Double(v[i + 1]) * ry)
          v[i + 2] = Float(Double(v[i + 2]) * rx)
          v[i + 3] = Float(Double(v[i + 3]) * ry)
          i += 4
        }
      }
    }
    return out
  }
}
