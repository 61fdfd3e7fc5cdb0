import DetGeometry
import DetMatching

/// Shape-only anchor statistics: YOLOv5's best possible recall and the k-means (IoU
/// distance) anchor shapes. Both see boxes and anchors as `(width, height)` pairs centred
/// on each other, never their positions on a grid.
public enum AnchorShapeMetrics {
  /// The anchor shapes of a generator: each level's cell anchors, as built in its mode
  /// (rounding included), `(width, height)` in pixels, level by level in type order.
  /// - Complexity: O(levels × types).
  public static func shapes(of generator: AnchorGenerator) -> [(width: Double, height: Double)] {
    let stride = generator.levels.map(\.stride).max() ?? 1
    let grid = generator.anchors(for: ImageSize(height: stride, width: stride))
    return grid.levels.flatMap { level in
      level.cellAnchors.map { (Double($0.x2 - $0.x1), Double($0.y2 - $0.y1)) }
    }
  }

  /// YOLOv5's `autoanchor` metric: per box, `x_a = min(r, 1/r)` over width and height with
  /// `r = box / anchor`, the worse of the two sides; the box is recallable when
  /// `max_a x_a > 1 / threshold`.
  ///
  /// - Returns: `bpr`, the share of boxes recallable (YOLOv5's best possible recall), and
  ///   `anchorsAboveThreshold`, the mean number of anchors per box with `x_a > 1 /
  ///   threshold`. Both 0 for no boxes.
  /// - Complexity: O(boxes × anchors).
  public static func bestPossibleRecall(
    boxes: [(width: Double, height: Double)], anchors: [(width: Double, height: Double)],
    threshold: Double = 4
  ) -> (bpr: Double, anchorsAboveThreshold: Double) {
    guard !boxes.isEmpty else { return (0, 0) }
    var recallable = 0
    var above = 0
    let limit = 1 / threshold
    for b in boxes {
      var best = 0.0
      for a in anchors {
        let rw = b.width / a.width
        let rh = b.height / a.height
        let x = min(min(rw, 1 / rw), min(rh, 1 / rh))
        best = max(best, x)
        if x > limit { above += 1 }
      }
      if best > limit { recallable += 1 }
    }
    return (Double(recallable) / Double(boxes.count), Double(above) / Double(boxes.count))
  }

  /// IoU of two shapes centred on each other: `min(w) min(h) / (w1 h1 + w2 h2 - min(w) min(h))`.
  static func shapeIoU(_ a: (width: Double, height: Double), _ b: (width: Double, height: Double))
    -> Double
  {
    let inter = min(a.width, b.width) * min(a.height, b.height)
    return inter / (a.width * a.height + b.width * b.height - inter)
  }

  /// k-means of box shapes with distance `1 - IoU` (YOLOv2's dimension clusters): `k`
  /// centres seeded by k-means++ (`SeededGenerator(seed:)`, drawing with weight `d²`),
  /// then at most `iterations` rounds of assigning every shape to its highest-IoU centre
  /// and moving each centre to its shapes' mean width and height (an empty cluster keeps
  /// its centre). Deterministic for a seed.
  ///
  /// - Returns: `k` shapes sorted by area (ascending), or fewer when there are fewer
  ///   distinct shapes; empty for no shapes.
  /// - Precondition: `k >= 1`.
  /// - Complexity: O(iterations × shapes × k).
  public static func kMeans(
    _ shapes: [(width: Double, height: Double)], k: Int, seed: UInt64, iterations: Int = 100
  ) -> [(width: Double, height: Double)] {
    precondition(k >= 1, "k must be >= 1, got \(k)")
    guard !shapes.isEmpty else { return [] }
    var rng = SeededGenerator(seed: seed)
    func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
    var centres = [shapes[Int(rng.next() % UInt64(shapes.count))]]
    var distance = shapes.map { 1 - shapeIoU($0, centres[0]) }
    while centres.count < k {
      let total = distance.reduce(0) { $0 + $1 * $1 }
      guard total > 0 else { break }
      var target = uniform() * total
      var pick = shapes.count - 1
      for (i, d) in distance.enumerated() {
        target -= d * d
        if target < 0 {
          pick = i
          break
        }
      }
      centres.append(shapes[pick])
      for i in shapes.indices {
        distance[i] = min(distance[i], 1 - shapeIoU(shapes[i], shapes[pick]))
      }
    }
    var assignment = [Int](repeating: -1, count: shapes.count)
    for _ in 0..<iterations {
      var changed = false
      var sums = [(w: Double, h: Double, n: Int)](repeating: (0, 0, 0), count: centres.count)
      for (i, s) in shapes.enumerated() {
        var best = 0
        var bestIoU = -1.0
        for (c, centre) in centres.enumerated() {
          let iou = shapeIoU(s, centre)
          if iou > bestIoU {
            bestIoU = iou
            best = c
          }
        }
        if assignment[i] != best {
          assignment[i] = best
          changed = true
        }
        sums[best].w += s.width
        sums[best].h += s.height
        sums[best].n += 1
      }
      for c in centres.indices where sums[c].n > 0 {
        centres[c] = (sums[c].w / Double(sums[c].n), sums[c].h / Double(sums[c].n))
      }
      if !changed { break }
    }
    return centres.sorted { $0.width * $0.height < $1.width * $1.height }
  }
}
