import Foundation

extension AnchorGenerator {
  /// The anchors of one cell of level `index`, centred at `(0, 0)`, in type order.
  ///
  /// The anchor of type `k` at grid cell `(y, x)` is this box shifted by
  /// `(offset + x * strideX, offset + y * strideY)` with the ``AnchorLevel`` offset and
  /// strides (see ``AnchorLevel`` for the exact relation). Per mode:
  /// - torchvision: `round(∓w/2), round(∓h/2)` with `w = s / sqrt(r)`, `h = s * sqrt(r)`
  ///   in `Float`, `s = int(size * scale)`, rounding half to even;
  /// - detectron2: `∓w/2, ∓h/2` with `w = sqrt(s² / r)`, `h = r * w` in `Double`;
  /// - mmdetection: `c ∓ w/2` with `w = (stride / sqrt(r)) * (size / stride * scale)` in
  ///   `Float`, minus the centre `c = centerOffset * stride`;
  /// - detectronLegacy: `generate_anchors(stride, sizes, ratios)` (corners
  ///   `(stride - 1)/2 ∓ (w - 1)/2`), minus the centre `(stride - 1) / 2`.
  ///
  /// - Precondition: ``configurationProblem`` is `nil`; `index` is a level index.
  /// - Complexity: O(``typesPerCell``).
  public func cellAnchors(ofLevel index: Int) -> BoxArray {
    precondition(
      configurationProblem == nil, "invalid AnchorGenerator: \(configurationProblem ?? "")")
    let origin = originAnchors(ofLevel: index)
    let centre = centrePixels(ofLevel: index)
    switch compatibility {
    case .torchvision, .detectron2:
      return BoxArray(flat: origin)
    case .mmdetection:
      let c = Float(centre)
      return BoxArray(flat: origin.map { $0 - c })
    case .detectronLegacy:
      return BoxArray(flat: origin.map { Float(Double($0) - centre) })
    }
  }

  /// The centre of cell `(0, 0)` of level `index`, in pixels, on both axes.
  func centrePixels(ofLevel index: Int) -> Double {
    let stride = Double(levels[index].stride)
    switch compatibility {
    case .torchvision: return 0
    case .detectron2, .mmdetection: return centerOffset * stride
    case .detectronLegacy: return (stride - 1) / 2
    }
  }

  /// The anchors of cell `(0, 0)` exactly as the peer adds them to a shift, flat
  /// `4 * typesPerCell` floats in type order. In the detectron2 mode the offset is part of
  /// the shift, in mmdetection and detectronLegacy it is part of these anchors.
  func originAnchors(ofLevel index: Int) -> [Float] {
    switch compatibility {
    case .torchvision: return torchvisionCell(index)
    case .detectron2: return detectron2Cell(index)
    case .mmdetection: return mmdetectionCell(index)
    case .detectronLegacy: return legacyCell(index)
    }
  }

  /// Visits the (size, scale) factor and ratio pairs of level `index` in ``typeOrder``.
  private func forEachType(
    ofLevel index: Int, _ body: ((size: Double, scale: Double), Double) -> Void
  ) {
    let factors = sizeFactors(ofLevel: index)
    let ratios = aspectRatios(ofLevel: index)
    switch typeOrder {
    case .ratioMajor:
      for r in ratios { for f in factors { body(f, r) } }
    case .sizeMajor:
      for f in factors { for r in ratios { body(f, r) } }
    }
  }

  // torchvision anchor_utils.py generate_anchors: float32 tensors throughout.
  private func torchvisionCell(_ index: Int) -> [Float] {
    var out: [Float] = []
    forEachType(ofLevel: index) { f, ratio in
      let size = Float(Double(Int(f.size * f.scale)))  // int(x * scale)
      let hRatio = Float(ratio).squareRoot()
      let wRatio = 1 / hRatio
      let ws = wRatio * size
      let hs = hRatio * size
      out += [-ws / 2, -hs / 2, ws / 2, hs / 2].map { $0.rounded(.toNearestOrEven) }
    }
    return out
  }

  // detectron2 DefaultAnchorGenerator.generate_cell_anchors: Python floats, then float32.
  private func detectron2Cell(_ index: Int) -> [Float] {
    var out: [Float] = []
    forEachType(ofLevel: index) { f, ratio in
      let size = f.size * f.scale
      let area = pow(size, 2.0)
      let w = (area / ratio).squareRoot()
      let h = ratio * w
      out += [Float(-w / 2), Float(-h / 2), Float(w / 2), Float(h / 2)]
    }
    return out
  }

  // mmdetection AnchorGenerator.gen_single_level_base_anchors with base_size = stride.
  // A level's own sizes enter as scale 1: `Float(1 * (size / stride))`.
  private func mmdetectionCell(_ index: Int) -> [Float] {
    let level = levels[index]
    let base = Float(level.stride)
    let centre = Float(centerOffset * Double(level.stride))
    var out: [Float] = []
    forEachType(ofLevel: index) { f, ratio in
      let levelScale = Float(f.scale * (f.size / Double(level.stride)))
      let hRatio = Float(ratio).squareRoot()
      let wRatio = 1 / hRatio
      let ws = scaleMajor ? base * wRatio * levelScale : base * levelScale * wRatio
      let hs = scaleMajor ? base * hRatio * levelScale : base * levelScale * hRatio
      out += [centre - 0.5 * ws, centre - 0.5 * hs, centre + 0.5 * ws, centre + 0.5 * hs]
    }
    return out
  }

  // Detectron modeling/generate_anchors.py (numpy float64), stored as float32.
  private func legacyCell(_ index: Int) -> [Float] {
    let stride = Double(levels[index].stride)
    // _ratio_enum on the reference window (0, 0, stride - 1, stride - 1).
    let (w, h, xCtr, yCtr) = Self.whctrs(0, 0, stride - 1, stride - 1)
    let area = w * h
    var out: [Float] = []
    forEachType(ofLevel: index) { f, ratio in
      let levelScale = f.size * f.scale / stride
      let ws = (area / ratio).squareRoot().rounded(.toNearestOrEven)
      let hs = (ws * ratio).rounded(.toNearestOrEven)
      let ratioAnchor = Self.mkanchor(ws, hs, xCtr, yCtr)
      // _scale_enum on that anchor.
      let (rw, rh, rx, ry) = Self.whctrs(ratioAnchor.0, ratioAnchor.1, ratioAnchor.2, ratioAnchor.3)
      let a = Self.mkanchor(rw * levelScale, rh * levelScale, rx, ry)
      out += [Float(a.0), Float(a.1), Float(a.2), Float(a.3)]
    }
    return out
  }

  private static func whctrs(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double)
    -> (Double, Double, Double, Double)
  {
    let w = x2 - x1 + 1
    let h = y2 - y1 + 1
    return (w, h, x1 + 0.5 * (w - 1), y1 + 0.5 * (h - 1))
  }

  private static func mkanchor(_ w: Double, _ h: Double, _ x: Double, _ y: Double)
    -> (Double, Double, Double, Double)
  {
    (x - 0.5 * (w - 1), y - 0.5 * (h - 1), x + 0.5 * (w - 1), y + 0.5 * (h - 1))
  }
}
