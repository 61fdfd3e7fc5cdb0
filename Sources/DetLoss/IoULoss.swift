import DetGeometry
import DetSupport
import Foundation

/// The IoU-family box losses GIoU, DIoU and CIoU, per pair of predicted and target boxes
/// `(x1, y1, x2, y2)`, with the gradient with respect to the predicted box.
///
/// With `I` the intersection, `U` the union, `C` the enclosing box's area, `rho^2` the
/// squared distance of the centres and `c^2` the enclosing box's squared diagonal:
///
/// ``Variant/torchvision`` (torchvision `ops.*_loss`, also detectron2 / fvcore):
/// - `IoU = I / (U + eps)`, with `I = 0` unless both overlaps are > 0.
/// - GIoU: `1 - IoU + (C - U) / (C + eps)`.
/// - DIoU: `1 - IoU + rho^2 / (c^2 + eps)`.
/// - CIoU: DIoU computed with the default `eps = 1e-7` whatever `eps` is (torchvision
///   passes only the default to its inner DIoU call), plus `alpha v` with
///   `v = 4 / pi^2 (atan(wg / hg) - atan(w / h))^2` and `alpha = v / (1 - IoU + v + eps)`.
///
/// ``Variant/mmdetection`` (mmdetection 3.3 `losses/iou_loss.py`):
/// - GIoU: `bbox_overlaps(mode: giou)`: `U = max(U, eps)`, `C = max(C, eps)`, widths
///   clamped at 0; loss `1 - (I / U - (C - U) / C)`.
/// - DIoU: `U = ap + ag - I + eps`; loss `1 - I / U + rho^2 / (c^2 + eps)`.
/// - CIoU: heights get `+ eps`; `alpha = v / (1 - IoU + v)` only where `IoU > 0.5`, else
///   0; loss `1 - clamp(IoU - rho^2 / c^2 - alpha v, -1, 1)`.
///
/// CIoU's `alpha` is a constant for the gradient, as both peers compute it under
/// `torch.no_grad()`. Where the peers' `min` / `max` tie (e.g. equal boxes) the gradient
/// is split half and half, as torch's `minimum` / `maximum` backward does; a `clamp`
/// passes the gradient only strictly inside its range, as torch's does (so touching
/// boxes get no gradient through the zero-width intersection).
///
/// Degenerate boxes never give NaN: zero-area boxes give `IoU = 0`; for CIoU a box of
/// zero height uses `atan(w / 0) = +-pi/2` (and 0 when the width is 0 too) with a zero
/// derivative where `w = h = 0`, where torch would return NaN (`0 / 0`). Any division
/// whose denominator is exactly 0 contributes 0. Each box is computed in `Double` from
/// the `Float` corners and rounded once.
public struct IoULoss: Sendable, Hashable {
  /// Which IoU-family loss.
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    case giou, diou, ciou
  }

  /// Whose formula (eps placement, clamps).
  public enum Variant: String, Sendable, Hashable, CaseIterable {
    case torchvision, mmdetection
  }

  public var kind: Kind
  public var variant: Variant
  /// The stabiliser, default 1e-7 (torchvision and mmdetection's functions; mmdetection's
  /// loss classes default to 1e-6).
  public var eps: Float

  /// Creates the loss.
  ///
  /// - Precondition: `eps >= 0` and finite.
  public init(_ kind: Kind, variant: Variant = .torchvision, eps: Float = 1e-7) {
    precondition(eps >= 0 && eps.isFinite, "IoU loss eps must be finite and >= 0, got \(eps)")
    self.kind = kind
    self.variant = variant
    self.eps = eps
  }

  /// The loss of one pair and its gradient with respect to the predicted corners.
  ///
  /// - Complexity: O(1).
  public func evaluate(predicted: Box, target: Box) -> (loss: Double, gradient: SIMD4<Double>) {
    let p = SIMD4<Double>(
      Double(predicted.x1), Double(predicted.y1), Double(predicted.x2), Double(predicted.y2))
    let g = SIMD4<Double>(
      Double(target.x1), Double(target.y1), Double(target.x2), Double(target.y2))
    return evaluate(p, g)
  }

  /// The loss and gradient for corners given in `Double` (the tests' finite differences).
  func evaluate(_ p: SIMD4<Double>, _ g: SIMD4<Double>) -> (loss: Double, gradient: SIMD4<Double>) {
    switch variant {
    case .torchvision: return torchvision(p, g)
    case .mmdetection: return mmdetection(p, g)
    }
  }

  /// Evaluates the loss over paired boxes, reduces it and, on request, returns the
  /// per-box losses and the gradient `[N, 4]` with respect to `predicted`.
  ///
  /// - Parameters:
  ///   - predicted: the predicted (decoded) boxes.
  ///   - target: the target boxes, same count.
  ///   - reduction: how to combine the per-box losses; the mean of none is 0.
  ///   - normalizer: the reduced loss and the gradient are divided by this (> 0).
  ///   - outputs: which of per-box values and gradient to fill.
  /// - Throws: ``LossError`` (`shapeMismatch`) when the counts differ.
  /// - Complexity: O(N), split across cores for large N.
  public func evaluate(
    predicted: BoxArray, target: BoxArray, reduction: Reduction, normalizer: Double = 1,
    outputs: LossOutputs = []
  ) throws -> LossResult {
    guard predicted.count == target.count else {
      throw LossError(
        .shapeMismatch, at: "target",
        "expected \(predicted.count) boxes (one per predicted box), found \(target.count)")
    }
    let n = predicted.count
    let scale = reduction.scale(count: n, normalizer: normalizer)
    let (sum, values, gradient) = outputs.withBuffers(values: n, gradient: 4 * n) { v, g in
      let (vp, gp) = (v?.baseAddress, g?.baseAddress)
      return predicted.withUnsafeBufferPointer { pb in
        target.withUnsafeBufferPointer { tb in
          chunkedSum(count: n, chunkSize: 4096) { range in
            var partial = 0.0
            for i in range {
              let b = 4 * i
              let p = Box(x1: pb[b], y1: pb[b + 1], x2: pb[b + 2], y2: pb[b + 3])
              let t = Box(x1: tb[b], y1: tb[b + 1], x2: tb[b + 2], y2: tb[b + 3])
              let (loss, grad) = evaluate(predicted: p, target: t)
              partial += loss
              vp?[i] = Float(loss)
              if let gp {
                for k in 0..<4 { gp[b + k] = Float(grad[k] * scale) }
              }
            }
            return partial
          }
        }
      }
    }
    return LossResult(
      loss: Float(sum * scale), sum: sum, count: n, values: values, gradient: gradient)
  }
}

// MARK: - Formulas

/// `a / b`, or 0 when `b` is exactly 0 (the degenerate-box guard).
@inline(__always) private func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : a / b }

/// `min(a, b)` and the share of its gradient that flows to `a` (torch splits ties).
@inline(__always) private func minimum(_ a: Double, _ b: Double) -> (Double, Double) {
  a < b ? (a, 1) : (a == b ? (a, 0.5) : (b, 0))
}

/// `max(a, b)` and the share of its gradient that flows to `a`.
@inline(__always) private func maximum(_ a: Double, _ b: Double) -> (Double, Double) {
  a > b ? (a, 1) : (a == b ? (a, 0.5) : (b, 0))
}

/// `atan(w / h)` guarded at `h = 0`, and its partial derivatives in `w` and `h`.
private func aspectAngle(w: Double, h: Double) -> (angle: Double, dw: Double, dh: Double) {
  let angle: Double = h == 0 ? (w > 0 ? .pi / 2 : (w < 0 ? -.pi / 2 : 0)) : atan(w / h)
  let norm = w * w + h * h
  return (angle, ratio(h, norm), ratio(-w, norm))
}

extension IoULoss {
  /// Shared geometry: intersection corners, enclosing corners and their tie shares.
  private struct Geometry {
    var ix1: (Double, Double), iy1: (Double, Double), ix2: (Double, Double), iy2: (Double, Double)
    var cx1: (Double, Double), cy1: (Double, Double), cx2: (Double, Double), cy2: (Double, Double)

    init(_ p: SIMD4<Double>, _ g: SIMD4<Double>) {
      ix1 = maximum(p[0], g[0])
      iy1 = maximum(p[1], g[1])
      ix2 = minimum(p[2], g[2])
      iy2 = minimum(p[3], g[3])
      cx1 = minimum(p[0], g[0])
      cy1 = minimum(p[1], g[1])
      cx2 = maximum(p[2], g[2])
      cy2 = maximum(p[3], g[3])
    }

    /// Gradient on the predicted corners from gradients on the intersection width and
    /// height (`iw = ix2 - ix1`, `ih = iy2 - iy1`).
    func intersectionBack(_ gw: Double, _ gh: Double) -> SIMD4<Double> {
      SIMD4(-gw * ix1.1, -gh * iy1.1, gw * ix2.1, gh * iy2.1)
    }

    /// Gradient on the predicted corners from gradients on the enclosing width / height.
    func enclosingBack(_ gw: Double, _ gh: Double) -> SIMD4<Double> {
      SIMD4(-gw * cx1.1, -gh * cy1.1, gw * cx2.1, gh * cy2.1)
    }
  }

  /// Gradient of the predicted box's area `(x2 - x1)(y2 - y1)` scaled by `g`.
  private func areaBack(_ p: SIMD4<Double>, _ g: Double) -> SIMD4<Double> {
    let w = p[2] - p[0]
    let h = p[3] - p[1]
    return SIMD4(-g * h, -g * w, g * h, g * w)
  }

  /// `rho^2`, the squared centre distance, and its gradient on the predicted corners.
  private func centreDistance(_ p: SIMD4<Double>, _ g: SIMD4<Double>) -> (Double, SIMD4<Double>) {
    let dx = (p[0] + p[2]) / 2 - (g[0] + g[2]) / 2
    let dy = (p[1] + p[3]) / 2 - (g[1] + g[3]) / 2
    return (dx * dx + dy * dy, SIMD4(dx, dy, dx, dy))
  }

  private func torchvision(_ p: SIMD4<Double>, _ g: SIMD4<Double>) -> (Double, SIMD4<Double>) {
    let eps = Double(self.eps)
    let geo = Geometry(p, g)
    let iw = geo.ix2.0 - geo.ix1.0
    let ih = geo.iy2.0 - geo.iy1.0
    let overlaps = iw > 0 && ih > 0
    let inter = overlaps ? iw * ih : 0
    let areaP = (p[2] - p[0]) * (p[3] - p[1])
    let areaG = (g[2] - g[0]) * (g[3] - g[1])
    let union = areaP + areaG - inter
    let cw = geo.cx2.0 - geo.cx1.0
    let ch = geo.cy2.0 - geo.cy1.0
    // The DIoU inside torchvision's CIoU always uses the default eps.
    let iouEps = kind == .ciou ? 1e-7 : eps
    let iou = ratio(inter, union + iouEps)
    var loss = 1 - iou
    // Gradients on inter and union from -IoU.
    var gInter = -ratio(1, union + iouEps)
    var gUnion = ratio(inter, (union + iouEps) * (union + iouEps))
    var gCW = 0.0
    var gCH = 0.0
    var grad = SIMD4<Double>()
    switch kind {
    case .giou:
      let area = cw * ch
      loss += ratio(area - union, area + eps)
      let gArea = ratio(union + eps, (area + eps) * (area + eps))
      gUnion -= ratio(1, area + eps)
      gCW += gArea * ch
      gCH += gArea * cw
    case .diou, .ciou:
      let diag = cw * cw + ch * ch + iouEps
      let (rho2, gRho) = centreDistance(p, g)
      loss += ratio(rho2, diag)
      grad += gRho * ratio(1, diag)
      let gDiag = -ratio(rho2, diag * diag)
      gCW += 2 * cw * gDiag
      gCH += 2 * ch * gDiag
      if kind == .ciou {
        let (angleG, _, _) = aspectAngle(w: g[2] - g[0], h: g[3] - g[1])
        let (angleP, dw, dh) = aspectAngle(w: p[2] - p[0], h: p[3] - p[1])
        let k = 4 / (Double.pi * Double.pi)
        let v = k * (angleG - angleP) * (angleG - angleP)
        let alpha = ratio(v, 1 - iou + v + eps)
        loss += alpha * v
        let gAngle = alpha * -2 * k * (angleG - angleP)
        grad += SIMD4(-gAngle * dw, -gAngle * dh, gAngle * dw, gAngle * dh)
      }
    }
    gInter -= gUnion
    grad += areaBack(p, gUnion)
    if overlaps { grad += geo.intersectionBack(gInter * ih, gInter * iw) }
    grad += geo.enclosingBack(gCW, gCH)
    return (loss, grad)
  }

  private func mmdetection(_ p: SIMD4<Double>, _ g: SIMD4<Double>) -> (Double, SIMD4<Double>) {
    let eps = Double(self.eps)
    let geo = Geometry(p, g)
    // torch's clamp passes the gradient only strictly inside the range (0 at a bound).
    let iwRaw = geo.ix2.0 - geo.ix1.0
    let ihRaw = geo.iy2.0 - geo.iy1.0
    let iw = max(iwRaw, 0)
    let ih = max(ihRaw, 0)
    let inter = iw * ih
    let areaP = (p[2] - p[0]) * (p[3] - p[1])
    let areaG = (g[2] - g[0]) * (g[3] - g[1])
    let cwRaw = geo.cx2.0 - geo.cx1.0
    let chRaw = geo.cy2.0 - geo.cy1.0
    let cw = max(cwRaw, 0)
    let ch = max(chRaw, 0)
    var loss: Double
    var gInter = 0.0
    var gUnion = 0.0
    var gCW = 0.0
    var gCH = 0.0
    var grad = SIMD4<Double>()
    switch kind {
    case .giou:
      let rawUnion = areaP + areaG - inter
      let union = max(rawUnion, eps)
      let rawArea = cw * ch
      let area = max(rawArea, eps)
      loss = 1 - (ratio(inter, union) - ratio(area - union, area))
      gInter = -ratio(1, union)
      // loss = 2 - I / U - U / C.
      gUnion =
        (rawUnion > eps ? 1 : (rawUnion == eps ? 0.5 : 0))
        * (ratio(inter, union * union) - ratio(1, area))
      let gArea = (rawArea > eps ? 1 : (rawArea == eps ? 0.5 : 0)) * ratio(union, area * area)
      gCW = gArea * ch
      gCH = gArea * cw
    case .diou, .ciou:
      let union = areaP + areaG - inter + eps
      let iou = ratio(inter, union)
      let diag = cw * cw + ch * ch + eps
      let (rho2, gRho) = centreDistance(p, g)
      var penalty = iou - ratio(rho2, diag)
      var gPenalty = 1.0
      var ciouAngle = SIMD4<Double>()
      if kind == .ciou {
        let (angleG, _, _) = aspectAngle(w: g[2] - g[0], h: g[3] - g[1] + eps)
        let (angleP, dw, dh) = aspectAngle(w: p[2] - p[0], h: p[3] - p[1] + eps)
        let k = 4 / (Double.pi * Double.pi)
        let v = k * (angleG - angleP) * (angleG - angleP)
        let alpha = iou > 0.5 ? ratio(v, 1 - iou + v) : 0
        penalty -= alpha * v
        let gAngle = -alpha * -2 * k * (angleG - angleP)  // d(penalty)/d(angleP)
        ciouAngle = SIMD4(-gAngle * dw, -gAngle * dh, gAngle * dw, gAngle * dh)
        if !(penalty > -1 && penalty < 1) { gPenalty = 0 }
        penalty = min(max(penalty, -1), 1)
      }
      loss = 1 - penalty
      // d(loss) = -d(penalty).
      let s = -gPenalty
      gInter = s * ratio(1, union)
      gUnion = -s * ratio(inter, union * union)
      grad += s * (-ratio(1, diag)) * gRho + s * ciouAngle
      let gDiag = s * ratio(rho2, diag * diag)
      gCW = 2 * cw * gDiag
      gCH = 2 * ch * gDiag
    }
    gInter -= gUnion
    grad += areaBack(p, gUnion)
    let gIW = iwRaw > 0 ? gInter * ih : 0
    let gIH = ihRaw > 0 ? gInter * iw : 0
    grad += geo.intersectionBack(gIW, gIH)
    grad += geo.enclosingBack(cwRaw > 0 ? gCW : 0, chRaw > 0 ? gCH : 0)
    return (loss, grad)
  }
}
