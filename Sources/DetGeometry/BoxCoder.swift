import Foundation

/// Encodes boxes as regression targets `(dx, dy, dw, dh)` relative to anchors, and decodes
/// them back, in one of three framework conventions.
///
/// With `w = x2 - x1`, `cx = x1 + 0.5 * w` (anchor `a`, box `g`), the standard transform is
///
///     dx = wx * (gcx - acx) / aw     dw = ww * ln(gw / aw)     (dy, dh likewise)
///
/// and decoding inverts it: `cx = dx / wx * aw + acx`, `w = exp(min(dw / ww, scaleClamp)) * aw`,
/// corners `cx -+ 0.5 * w`.
///
/// - ``Convention/standard(weights:)``: torchvision `BoxCoder` and detectron2
///   `Box2BoxTransform`, with their float32 op order. `dw`, `dh` are clamped **from above
///   only** at ``scaleClamp`` (default `log(1000 / 16)`); a very negative `dw` gives a box of
///   width near 0. Weights: (1, 1, 1, 1) for RPN and RetinaNet, (10, 10, 5, 5) for Fast R-CNN.
/// - ``Convention/mmdetection(means:stds:centerClamp:)``: mmdetection
///   `DeltaXYWHBBoxCoder`: centre `(x1 + x2) * 0.5`, targets `(raw - means) / stds`; decode
///   clamps `dw`, `dh` on **both** sides at ``scaleClamp`` (`|ln(16 / 1000)|`), or, with a
///   `centerClamp` (mmdetection's `add_ctr_clamp`, YOLOF's 32), clamps the centre shift in
///   pixels to `±centerClamp` and `dw`, `dh` from above only. stds (0.1, 0.1, 0.2, 0.2) equal
///   weights (10, 10, 5, 5) up to rounding.
/// - ``Convention/detectronLegacy(weights:)``: Detectron / py-faster-rcnn "+1 pixel":
///   `w = x2 - x1 + 1`, `cx = x1 + 0.5 * w`, decode `x2 = cx + 0.5 * w - 1`; clamp from above.
///
/// Degenerate anchors (zero width or height) give infinite or NaN targets, as in the peers;
/// filter them first (``BoxArray/degenerateIndices``).
///
/// Parity: `dx`, `dy` of encoding are bit-identical to the peers in float32; every value that
/// goes through `ln` or `exp` (encoded `dw`, `dh`; every decoded coordinate) can differ by
/// an ulp or two, because torch takes `log`/`exp` from SLEEF and detkit from the C library
/// (neither is correctly rounded).
public struct BoxCoder: Hashable, Sendable {
  /// The framework whose transform to reproduce.
  public enum Convention: Hashable, Sendable {
    /// torchvision / detectron2, with weights `(wx, wy, ww, wh)`.
    case standard(weights: SIMD4<Float>)
    /// mmdetection `DeltaXYWHBBoxCoder` with target `means` and `stds` for `(dx, dy, dw, dh)`
    /// and the optional centre clamp in pixels (`add_ctr_clamp=True, ctr_clamp=c`).
    case mmdetection(means: SIMD4<Float>, stds: SIMD4<Float>, centerClamp: Float?)
    /// Detectron legacy "+1 pixel" widths, with weights `(wx, wy, ww, wh)`.
    case detectronLegacy(weights: SIMD4<Float>)
  }

  /// torchvision's and detectron2's `bbox_xform_clip`, `log(1000 / 16)` rounded to `Float`.
  public static let standardScaleClamp = Float(log(1000.0 / 16.0))

  /// mmdetection's `max_ratio = |ln(wh_ratio_clip)|` with `wh_ratio_clip = 16 / 1000`.
  public static let mmdetectionScaleClamp = Float(abs(log(16.0 / 1000.0)))

  /// The transform.
  public var convention: Convention

  /// The largest `dw`, `dh` (after dividing by the weight or de-normalising) fed to `exp` when
  /// decoding; mmdetection also uses its negative as the lower bound.
  public var scaleClamp: Float

  /// A coder with the given convention; `scaleClamp` defaults to the convention's own.
  ///
  /// - Precondition: weights and stds are finite and non-zero; `centerClamp` is positive.
  public init(_ convention: Convention, scaleClamp: Float? = nil) {
    switch convention {
    case .standard(let w), .detectronLegacy(let w):
      precondition(Self.usable(w), "BoxCoder weights must be finite and non-zero, got \(w)")
    case .mmdetection(let means, let stds, let centerClamp):
      precondition(Self.usable(stds), "BoxCoder stds must be finite and non-zero, got \(stds)")
      precondition(
        means.x.isFinite && means.y.isFinite && means.z.isFinite && means.w.isFinite,
        "BoxCoder means must be finite, got \(means)")
      if let c = centerClamp {
        precondition(c > 0, "BoxCoder centerClamp must be positive, got \(c)")
      }
    }
    self.convention = convention
    if let scaleClamp {
      self.scaleClamp = scaleClamp
    } else if case .mmdetection = convention {
      self.scaleClamp = Self.mmdetectionScaleClamp
    } else {
      self.scaleClamp = Self.standardScaleClamp
    }
  }

  /// torchvision / detectron2 with `weights` (default (1, 1, 1, 1)).
  public init(weights: SIMD4<Float> = SIMD4(repeating: 1)) {
    self.init(.standard(weights: weights))
  }

  private static func usable(_ v: SIMD4<Float>) -> Bool {
    (0..<4).allSatisfy { v[$0].isFinite && v[$0] != 0 }
  }
}
