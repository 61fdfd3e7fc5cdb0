import DetGeometry

/// The regression targets of the positive anchors of a match.
public struct RegressionTargets: Sendable, Hashable {
  /// Positive anchors, ascending.
  public var anchorIndices: [Int]
  /// Flat `P x 4` deltas `(dx, dy, dw, dh)`, row `i` for `anchorIndices[i]`.
  public var deltas: [Float]

  /// Creates targets.
  public init(anchorIndices: [Int], deltas: [Float]) {
    self.anchorIndices = anchorIndices
    self.deltas = deltas
  }
}

extension MatchResult {
  /// Encodes every positive anchor's matched ground-truth box relative to the anchor with
  /// `coder` (torchvision's `BoxCoder.encode_single(gt[matches[pos]], anchors[pos])`).
  ///
  /// - Parameters:
  ///   - groundTruth: the boxes the match was made against (indices refer to its rows).
  ///   - anchors: the anchors, one per match.
  ///   - coder: the transform; torchvision RPN / RetinaNet weights (1, 1, 1, 1) by default.
  /// - Returns: positive anchor indices and their `(dx, dy, dw, dh)`.
  /// - Precondition: `anchors.count == matches.count`; every match indexes `groundTruth`.
  /// - Complexity: O(N) to find positives, O(P) to encode them.
  public func regressionTargets(
    groundTruth: BoxArray, anchors: BoxArray, coder: BoxCoder = BoxCoder()
  ) -> RegressionTargets {
    precondition(
      anchors.count == matches.count,
      "regressionTargets needs one anchor per match, got \(anchors.count) anchors for \(matches.count) matches"
    )
    let positives = positiveAnchors
    var boxes = BoxArray(zeros: positives.count)
    var reference = BoxArray(zeros: positives.count)
    groundTruth.withUnsafeBufferPointer { g in
      anchors.withUnsafeBufferPointer { a in
        boxes.withUnsafeMutableBufferPointer { b in
          reference.withUnsafeMutableBufferPointer { r in
            for (i, anchor) in positives.enumerated() {
              let row = matches[anchor]
              precondition(
                row < g.count / 4,
                "match \(row) of anchor \(anchor) is outside the \(g.count / 4) ground-truth rows")
              for k in 0..<4 {
                b[4 * i + k] = g[4 * row + k]
                r[4 * i + k] = a[4 * anchor + k]
              }
            }
          }
        }
      }
    }
    return RegressionTargets(
      anchorIndices: positives, deltas: coder.encode(boxes, relativeTo: reference))
  }
}
