import DetSupport
import Foundation

extension BoxCoder {
  /// The regression targets of `boxes` relative to `anchors`, pair by pair.
  ///
  /// - Parameters:
  ///   - boxes: Ground-truth (or proposal) boxes, `xyxy`.
  ///   - anchors: Reference boxes, `xyxy`, one per box.
  /// - Returns: Flat `N x 4` deltas `(dx, dy, dw, dh)` per pair (unitless).
  /// - Precondition: `boxes.count == anchors.count`.
  /// - Complexity: O(N), split across cores for large N.
  public func encode(_ boxes: BoxArray, relativeTo anchors: BoxArray) -> [Float] {
    precondition(
      boxes.count == anchors.count,
      "encode needs one anchor per box, got \(boxes.count) boxes and \(anchors.count) anchors")
    let convention = self.convention
    return Self.map(anchors.values, boxes.values) { a, g in Self.encodeOne(a, g, convention) }
  }

  /// The boxes that `deltas` describe relative to `anchors`; inverse of
  /// ``encode(_:relativeTo:)`` up to rounding and the clamps of ``scaleClamp``.
  ///
  /// - Parameters:
  ///   - deltas: Flat `N x 4` deltas `(dx, dy, dw, dh)`.
  ///   - anchors: Reference boxes, `xyxy`.
  ///   - image: When given, the decoded corners are clamped to the image: `x` to
  ///     `[0, width]`, `y` to `[0, height]` (torchvision `clip_boxes_to_image`, mmdetection
  ///     `clip_border`); `[0, width - 1]`, `[0, height - 1]` for the legacy convention
  ///     (Detectron `clip_tiled_boxes`).
  /// - Precondition: `deltas.count == 4 * anchors.count`.
  /// - Complexity: O(N), split across cores for large N.
  public func decode(
    _ deltas: [Float], relativeTo anchors: BoxArray, clippingTo image: ImageSize? = nil
  ) -> BoxArray {
    precondition(
      deltas.count == 4 * anchors.count,
      "decode needs 4 deltas per anchor, got \(deltas.count) values for \(anchors.count) anchors")
    let convention = self.convention
    let clamp = scaleClamp
    let bound: SIMD4<Float>? = image.map { image in
      let legacy: Float = if case .detectronLegacy = convention { 1 } else { 0 }
      let w = Float(image.width) - legacy
      let h = Float(image.height) - legacy
      return SIMD4(w, h, w, h)
    }
    return BoxArray(
      flat: Self.map(anchors.values, deltas) { a, d in
        let box = Self.decodeOne(a, d, convention, clamp)
        guard let bound else { return box }
        return SIMD4(
          BoxArray.clamp(box.x, 0, bound.x), BoxArray.clamp(box.y, 0, bound.y),
          BoxArray.clamp(box.z, 0, bound.z), BoxArray.clamp(box.w, 0, bound.w))
      })
  }

  // MARK: - One pair, with each peer's float32 op order

  private static func encodeOne(_ a: SIMD4<Float>, _ g: SIMD4<Float>, _ c: Convention) -> SIMD4<
    Float
  > {
    switch c {
    case .standard(let wt):
      // torchvision encode_boxes
      let aw = a[2] - a[0]
      let ah = a[3] - a[1]
      let acx = a[0] + 0.5 * aw
      let acy = a[1] + 0.5 * ah
      let gw = g[2] - g[0]
      let gh = g[3] - g[1]
      let gcx = g[0] + 0.5 * gw
      let gcy = g[1] + 0.5 * gh
      return SIMD4(
        wt[0] * (gcx - acx) / aw, wt[1] * (gcy - acy) / ah,
        wt[2] * logf(gw / aw), wt[3] * logf(gh / ah))
    case .mmdetection(let means, let stds, _):
      // mmdetection bbox2delta
      let px = (a[0] + a[2]) * 0.5
      let py = (a[1] + a[3]) * 0.5
      let pw = a[2] - a[0]
      let ph = a[3] - a[1]
      let gx = (g[0] + g[2]) * 0.5
      let gy = (g[1] + g[3]) * 0.5
      let gw = g[2] - g[0]
      let gh = g[3] - g[1]
      let raw = SIMD4((gx - px) / pw, (gy - py) / ph, logf(gw / pw), logf(gh / ph))
      return (raw - means) / stds
    case .detectronLegacy(let wt):
      // Detectron bbox_transform_inv
      let aw = a[2] - a[0] + 1
      let ah = a[3] - a[1] + 1
      let acx = a[0] + 0.5 * aw
      let acy = a[1] + 0.5 * ah
      let gw = g[2] - g[0] + 1
      let gh = g[3] - g[1] + 1
      let gcx = g[0] + 0.5 * gw
      let gcy = g[1] + 0.5 * gh
      return SIMD4(
        wt[0] * (gcx - acx) / aw, wt[1] * (gcy - acy) / ah,
        wt[2] * logf(gw / aw), wt[3] * logf(gh / ah))
    }
  }

  /// `min(v, hi)` that keeps NaN, as `torch.clamp(max:)`.
  @inline(__always)
  private static func upper(_ v: Float, _ hi: Float) -> Float { v > hi ? hi : v }

  private static func decodeOne(
    _ a: SIMD4<Float>, _ d: SIMD4<Float>, _ c: Convention, _ clamp: Float
  ) -> SIMD4<Float> {
    switch c {
    case .standard(let wt):
      // torchvision decode_single
      let w = a[2] - a[0]
      let h = a[3] - a[1]
      let cx = a[0] + 0.5 * w
      let cy = a[1] + 0.5 * h
      let dx = d[0] / wt[0]
      let dy = d[1] / wt[1]
      let dw = upper(d[2] / wt[2], clamp)
      let dh = upper(d[3] / wt[3], clamp)
      let pcx = dx * w + cx
      let pcy = dy * h + cy
      let halfW = 0.5 * (expf(dw) * w)
      let halfH = 0.5 * (expf(dh) * h)
      return SIMD4(pcx - halfW, pcy - halfH, pcx + halfW, pcy + halfH)
    case .mmdetection(let means, let stds, let centerClamp):
      // mmdetection delta2bbox
      let dn = d * stds + means
      let px = (a[0] + a[2]) * 0.5
      let py = (a[1] + a[3]) * 0.5
      let pw = a[2] - a[0]
      let ph = a[3] - a[1]
      var sx = pw * dn[0]
      var sy = ph * dn[1]
      let dw: Float
      let dh: Float
      if let cc = centerClamp {
        sx = BoxArray.clamp(sx, -cc, cc)
        sy = BoxArray.clamp(sy, -cc, cc)
        dw = upper(dn[2], clamp)
        dh = upper(dn[3], clamp)
      } else {
        dw = BoxArray.clamp(dn[2], -clamp, clamp)
        dh = BoxArray.clamp(dn[3], -clamp, clamp)
      }
      let gx = px + sx
      let gy = py + sy
      let gw = pw * expf(dw)
      let gh = ph * expf(dh)
      return SIMD4(gx - gw * 0.5, gy - gh * 0.5, gx + gw * 0.5, gy + gh * 0.5)
    case .detectronLegacy(let wt):
      // Detectron bbox_transform
      let w = a[2] - a[0] + 1
      let h = a[3] - a[1] + 1
      let cx = a[0] + 0.5 * w
      let cy = a[1] + 0.5 * h
      let dx = d[0] / wt[0]
      let dy = d[1] / wt[1]
      let dw = upper(d[2] / wt[2], clamp)
      let dh = upper(d[3] / wt[3], clamp)
      let pcx = dx * w + cx
      let pcy = dy * h + cy
      let pw = expf(dw) * w
      let ph = expf(dh) * h
      return SIMD4(pcx - 0.5 * pw, pcy - 0.5 * ph, pcx + 0.5 * pw - 1, pcy + 0.5 * ph - 1)
    }
  }

  /// Boxes per chunk when coding on several cores.
  private static let chunk = 1 << 14

  /// Applies `body` to the 4-float groups of `lhs` and `rhs` (same count), on all cores when
  /// the input is large.
  private static func map(
    _ lhs: [Float], _ rhs: [Float],
    _ body: @escaping @Sendable (SIMD4<Float>, SIMD4<Float>) -> SIMD4<Float>
  ) -> [Float] {
    let n = lhs.count / 4
    return [Float](unsafeUninitializedCapacity: 4 * n) { out, initialized in
      // Chunks write disjoint ranges; forEachChunk returns when all are done.
      nonisolated(unsafe) let result = out.baseAddress!
      lhs.withUnsafeBufferPointer { l in
        rhs.withUnsafeBufferPointer { r in
          nonisolated(unsafe) let (lp, rp) = (l.baseAddress!, r.baseAddress!)
          forEachChunk(ChunkPlan(count: n, chunkSize: chunk)) { _, range in
            for i in range {
              let v = body(
                SIMD4(lp[4 * i], lp[4 * i + 1], lp[4 * i + 2], lp[4 * i + 3]),
                SIMD4(rp[4 * i], rp[4 * i + 1], rp[4 * i + 2], rp[4 * i + 3]))
              for k in 0..<4 { (result + 4 * i + k).initialize(to: v[k]) }
            }
          }
        }
      }
      initialized = 4 * n
    }
  }
}
