import DetGeometry

extension IoUMatcher {
  /// Splits the ground-truth rows into those taking part and those skipped as degenerate.
  ///
  /// - Throws: ``MatchingError/degenerateGroundTruth(index:box:)`` for the first
  ///   degenerate row when ``degenerateGroundTruth`` is ``DegenerateGroundTruth/throwError``.
  /// - Complexity: O(M).
  func partition(groundTruth: BoxArray) throws -> (active: [Int], skipped: [Int]) {
    var active: [Int] = []
    var skipped: [Int] = []
    active.reserveCapacity(groundTruth.count)
    for (row, box) in groundTruth.enumerated() {
      if box.isDegenerate || !((box.x2 - box.x1) * (box.y2 - box.y1)).isFinite {
        if degenerateGroundTruth == .throwError {
          throw MatchingError.degenerateGroundTruth(index: row, box: box)
        }
        skipped.append(row)
      } else {
        active.append(row)
      }
    }
    return (active, skipped)
  }

  /// The flat `x1, y1, x2, y2` storage of the active ground-truth rows.
  func compact(_ groundTruth: BoxArray, rows: [Int]) -> [Float] {
    var flat = [Float]()
    flat.reserveCapacity(rows.count * 4)
    groundTruth.withUnsafeBufferPointer { g in
      for row in rows { flat += [g[4 * row], g[4 * row + 1], g[4 * row + 2], g[4 * row + 3]] }
    }
    return flat
  }
}

/// Throws ``MatchingError/nonFiniteAnchor(index:box:)`` for the first anchor with a NaN or
/// infinite coordinate.
///
/// - Complexity: O(N).
func requireFinite(anchors: BoxArray) throws {
  let bad = anchors.withUnsafeBufferPointer { v -> Int? in
    for i in 0..<v.count where !v[i].isFinite { return i / 4 }
    return nil
  }
  if let bad { throw MatchingError.nonFiniteAnchor(index: bad, box: anchors[bad]) }
}

/// Throws ``MatchingError/nonFiniteIgnoreRegion(index:box:)`` for the first region with a
/// NaN or infinite coordinate.
func requireFinite(ignoreRegions: BoxArray) throws {
  for (i, box) in ignoreRegions.enumerated()
  where !(box.x1.isFinite && box.y1.isFinite && box.x2.isFinite && box.y2.isFinite) {
    throw MatchingError.nonFiniteIgnoreRegion(index: i, box: box)
  }
}
