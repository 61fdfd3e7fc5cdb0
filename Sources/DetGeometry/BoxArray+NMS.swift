extension BoxArray {
  /// Greedy non-maximum suppression with torchvision `nms` semantics.
  ///
  /// Boxes are visited in decreasing score order (equal scores: lower index first, as
  /// torchvision's stable sort); each kept box suppresses every later box whose IoU with it
  /// is **greater than** `iouThreshold`. IoU uses ``pairIoU(_:_:)``'s float32 op order (that
  /// of torchvision's CPU kernel) and is compared in `Double`, as torchvision compares its
  /// float IoU with the double threshold.
  ///
  /// Degenerate cases: a zero-area pair has IoU 0 here (NaN in torchvision, which suppresses
  /// nothing either), so results agree. NaN scores sort after every number (torchvision
  /// leaves their order to the sort).
  ///
  /// - Parameters:
  ///   - scores: One score per box.
  ///   - iouThreshold: Suppress above this IoU, usually in `[0, 1]`.
  /// - Returns: Indices of the kept boxes, in decreasing score order.
  /// - Precondition: `scores.count == count`.
  /// - Complexity: O(n log n + n * k) for k kept boxes; O(n) extra memory.
  public func nonMaximumSuppression(scores: [Float], iouThreshold: Double) -> [Int] {
    precondition(
      scores.count == count,
      "nonMaximumSuppression needs one score per box, got \(scores.count) scores for \(count) boxes"
    )
    let order = indices.sorted { i, j in
      let (si, sj) = (scores[i], scores[j])
      if si.isNaN || sj.isNaN { return si.isNaN ? (sj.isNaN && i < j) : true }
      return si > sj || (si == sj && i < j)
    }
    let boxes = order.map { self[$0] }
    let areas = boxes.map { ($0.x2 - $0.x1) * ($0.y2 - $0.y1) }
    var suppressed = [Bool](repeating: false, count: count)
    var keep: [Int] = []
    for a in 0..<boxes.count where !suppressed[a] {
      keep.append(order[a])
      for b in (a + 1)..<boxes.count where !suppressed[b] {
        if Double(pairIoU(boxes[a], area: areas[a], boxes[b], area: areas[b])) > iouThreshold {
          suppressed[b] = true
        }
      }
    }
    return keep
  }
}
