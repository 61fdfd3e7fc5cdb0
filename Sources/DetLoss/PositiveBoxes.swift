import DetGeometry

/// The rows of one image that a criterion's box loss reads, gathered: their anchors, the
/// ground truth they are matched to, and their predicted deltas; and the scatter of a
/// per-row gradient back into the image's `N * 4` delta gradient. Shared by
/// ``RetinaNetCriterion`` (all positives) and ``RPNCriterion`` (the sampled positives).
struct PositiveBoxes {
  /// The anchor rows, in the order of everything below.
  let rows: [Int]
  /// `anchors[rows[k]]`.
  let anchors: BoxArray
  /// `groundTruth[matches[rows[k]]]`.
  let targets: BoxArray
  /// `deltas[4 * rows[k] ..< 4 * rows[k] + 4]`, row-major `rows.count * 4`.
  let deltas: [Float]

  /// - Precondition: every `matches[row]` of `rows` is a ground-truth row.
  /// - Complexity: O(rows).
  init(rows: [Int], anchors: BoxArray, groundTruth: BoxArray, matches: [Int], deltas: [Float]) {
    self.rows = rows
    self.anchors = BoxArray(rows.map { anchors[$0] })
    targets = BoxArray(rows.map { groundTruth[matches[$0]] })
    var gathered = [Float](repeating: 0, count: 4 * rows.count)
    for (k, row) in rows.enumerated() {
      for c in 0..<4 { gathered[4 * k + c] = deltas[4 * row + c] }
    }
    self.deltas = gathered
  }

  /// `local` (4 values per row, in row order) placed at the rows of a zero array of
  /// `count` values (`N * 4`).
  ///
  /// - Complexity: O(count).
  func scatter(_ local: [Float], into count: Int) -> [Float] {
    var out = [Float](repeating: 0, count: count)
    for (k, row) in rows.enumerated() { for c in 0..<4 { out[4 * row + c] = local[4 * k + c] } }
    return out
  }
}
