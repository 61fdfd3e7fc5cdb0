extension BoxArray {
  /// The area of every box, `(x2 - x1) * (y2 - y1)` in square pixels, with ``Box/area``'s
  /// rule: 0 for a degenerate box (empty, inverted, NaN or infinite coordinates).
  ///
  /// For a valid box the value is bit-identical to torchvision's `box_area`.
  ///
  /// - Complexity: O(n).
  public var areas: [Float] {
    [Float](unsafeUninitializedCapacity: count) { out, initialized in
      for i in 0..<count { out[i] = self[i].area }
      initialized = count
    }
  }

  /// The boxes clamped to the image, `x` to `[0, width]` and `y` to `[0, height]`, like
  /// torchvision's `clip_boxes_to_image`. A box wholly outside becomes a zero-area box on
  /// the border (see ``degenerateIndices``). NaN coordinates stay NaN.
  ///
  /// - Complexity: O(n).
  public func clipped(to image: ImageSize) -> BoxArray {
    let w = Float(image.width)
    let h = Float(image.height)
    var out = self
    out.withUnsafeMutableBufferPointer { v in
      var i = 0
      while i < v.count {
        v[i] = Self.clamp(v[i], 0, w)
        v[i + 1] = Self.clamp(v[i + 1], 0, h)
        v[i + 2] = Self.clamp(v[i + 2], 0, w)
        v[i + 3] = Self.clamp(v[i + 3], 0, h)
        i += 4
      }
    }
    return out
  }

  /// `min(max(v, lo), hi)` that keeps NaN (as `torch.clamp` does).
  @inline(__always)
  static func clamp(_ v: Float, _ lo: Float, _ hi: Float) -> Float {
    v < lo ? lo : (v > hi ? hi : v)
  }

  /// For each box, whether it is degenerate (``Box/isDegenerate``: `x2 <= x1`, `y2 <= y1`,
  /// or a non-finite coordinate).
  ///
  /// - Complexity: O(n).
  public var degenerateMask: [Bool] {
    [Bool](unsafeUninitializedCapacity: count) { out, initialized in
      for i in 0..<count { out[i] = self[i].isDegenerate }
      initialized = count
    }
  }

  /// The indices of the degenerate boxes, ascending.
  ///
  /// - Complexity: O(n).
  public var degenerateIndices: [Int] {
    indices.filter { self[$0].isDegenerate }
  }

  /// The boxes scaled for an image resize: `x` coordinates times `x`, `y` coordinates
  /// times `y` (both `Float` multiplications, as torchvision's `resize_boxes` does with
  /// ratios `new / old`).
  ///
  /// - Complexity: O(n).
  public func scaled(x: Float, y: Float) -> BoxArray {
    var out = self
    out.withUnsafeMutableBufferPointer { v in
      var i = 0
      while i < v.count {
        v[i] *= x
        v[i + 1] *= y
        v[i + 2] *= x
        v[i + 3] *= y
        i += 4
      }
    }
    return out
  }
}
