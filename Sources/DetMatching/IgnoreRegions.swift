import DetGeometry
import DetSupport

/// Intersection over the anchor's own area ("IoF"), mmdetection's
/// `bbox_overlaps(anchors, regions, mode='iof')`: `inter / max(area(anchor), 1e-6)` with
/// `inter = max(min(x2) - max(x1), 0) * max(min(y2) - max(y1), 0)`, in `Float`.
@inline(__always)
func intersectionOverAnchor(
  _ ax1: Float, _ ay1: Float, _ ax2: Float, _ ay2: Float,
  _ rx1: Float, _ ry1: Float, _ rx2: Float, _ ry2: Float
) -> Float {
  let w = max(min(ax2, rx2) - max(ax1, rx1), 0)
  let h = max(min(ay2, ry2) - max(ay1, ry1), 0)
  let area = (ax2 - ax1) * (ay2 - ay1)
  return (w * h) / max(area, 1e-6)
}

/// Per anchor: whether its IoF with some region is above `threshold` (mmdetection's
/// `ignore_iof_thr` rule); `nil` when no anchor is ignored.
///
/// - Complexity: O(N * R), parallel over anchors.
func ignoredAnchors(anchors: BoxArray, regions: BoxArray, threshold: Float) -> [Bool]? {
  let n = anchors.count
  guard n > 0, !regions.isEmpty else { return nil }
  var mask = [Bool](repeating: false, count: n)
  mask.withUnsafeMutableBufferPointer { out in
    nonisolated(unsafe) let out = out
    anchors.withUnsafeBufferPointer { a in
      regions.withUnsafeBufferPointer { r in
        nonisolated(unsafe) let a = a
        nonisolated(unsafe) let r = r
        forEachChunk(ChunkPlan(count: n, minimumChunk: 4096)) { _, range in
          for i in range {
            for k in 0..<(r.count / 4)
            where intersectionOverAnchor(
              a[4 * i], a[4 * i + 1], a[4 * i + 2], a[4 * i + 3],
              r[4 * k], r[4 * k + 1], r[4 * k + 2], r[4 * k + 3]) > threshold
            {
              out[i] = true
              break
            }
          }
        }
      }
    }
  }
  return mask.contains(true) ? mask : nil
}
