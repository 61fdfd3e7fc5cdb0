extension AnchorGrid {
  /// Which anchors lie inside the image within `tolerance` pixels: anchor `i` is visible
  /// when `x1 >= -t`, `y1 >= -t`, `x2 < W + t` and `y2 < H + t` (py-faster-rcnn's
  /// `allowed_border`, Detectron's `RPN_STRADDLE_THRESH`; `t = 0` is their default).
  ///
  /// The bounds are computed in `Float`: `-t`, `Float(W) + t`, `Float(H) + t`. A NaN
  /// coordinate makes an anchor invisible. The peers' "off" setting (a negative
  /// threshold) corresponds to not filtering at all.
  ///
  /// - Parameter tolerance: allowed overhang in pixels, `>= 0` (may be `.infinity`).
  /// - Returns: one flag per anchor, in ``boxes`` order.
  /// - Precondition: `tolerance >= 0`.
  /// - Complexity: O(N).
  public func visibleMask(tolerance: Float = 0) -> [Bool] {
    precondition(tolerance >= 0, "straddle tolerance must be >= 0 pixels, got \(tolerance)")
    let low = -tolerance
    let right = Float(image.width) + tolerance
    let bottom = Float(image.height) + tolerance
    let n = boxes.count
    return [Bool](unsafeUninitializedCapacity: n) { mask, initialized in
      boxes.withUnsafeBufferPointer { v in
        for i in 0..<n {
          let b = 4 * i
          mask[i] = v[b] >= low && v[b + 1] >= low && v[b + 2] < right && v[b + 3] < bottom
        }
      }
      initialized = n
    }
  }

  /// The indices of the visible anchors (see ``visibleMask(tolerance:)``), ascending.
  ///
  /// - Precondition: `tolerance >= 0`.
  /// - Complexity: O(N).
  public func visibleIndices(tolerance: Float = 0) -> [Int] {
    let mask = visibleMask(tolerance: tolerance)
    return mask.indices.filter { mask[$0] }
  }
}
