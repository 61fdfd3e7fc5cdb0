extension BoxArray {
  /// Creates an `xyxy` array from flat `N x 4` storage laid out in `format`.
  ///
  /// The arithmetic is torchvision's `box_convert` in `Float` (see ``BoxFormat``). A
  /// negative width or height gives an inverted (degenerate) box; NaN stays NaN.
  ///
  /// - Precondition: `flat.count` is a multiple of 4.
  /// - Complexity: O(n).
  public init(converting flat: [Float], from format: BoxFormat) {
    precondition(
      flat.count % 4 == 0, "flat box storage must hold a multiple of 4 values, got \(flat.count)")
    let count = flat.count / 4
    self.init(unsafeUninitializedCount: count) { out in
      flat.withUnsafeBufferPointer { src in
        for i in 0..<count {
          let b = 4 * i
          let (p, q, r, s) = (src[b], src[b + 1], src[b + 2], src[b + 3])
          switch format {
          case .xyxy:
            out[b] = p
            out[b + 1] = q
            out[b + 2] = r
            out[b + 3] = s
          case .xywh:
            out[b] = p
            out[b + 1] = q
            out[b + 2] = p + r
            out[b + 3] = q + s
          case .cxcywh:
            out[b] = p - 0.5 * r
            out[b + 1] = q - 0.5 * s
            out[b + 2] = p + 0.5 * r
            out[b + 3] = q + 0.5 * s
          }
        }
      }
    }
  }

  /// The boxes as flat `N x 4` storage laid out in `format`.
  ///
  /// - Complexity: O(n).
  public func converted(to format: BoxFormat) -> [Float] {
    guard format != .xyxy else { return values }
    return [Float](unsafeUninitializedCapacity: values.count) { out, initialized in
      values.withUnsafeBufferPointer { src in
        for i in 0..<count {
          let b = 4 * i
          let (x1, y1, x2, y2) = (src[b], src[b + 1], src[b + 2], src[b + 3])
          if format == .cxcywh {
            out[b] = (x1 + x2) / 2
            out[b + 1] = (y1 + y2) / 2
          } else {
            out[b] = x1
            out[b + 1] = y1
          }
          out[b + 2] = x2 - x1
          out[b + 3] = y2 - y1
        }
      }
      initialized = values.count
    }
  }
}
