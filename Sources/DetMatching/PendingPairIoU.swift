// Stand-in until DetGeometry's single-pair IoU lands on main; removed at that merge.
@inline(__always)
func pendingPairIoU(
  _ ax1: Float, _ ay1: Float, _ ax2: Float, _ ay2: Float,
  _ bx1: Float, _ by1: Float, _ bx2: Float, _ by2: Float
) -> Float {
  let area1 = (ax2 - ax1) * (ay2 - ay1)
  let area2 = (bx2 - bx1) * (by2 - by1)
  let w = max(min(ax2, bx2) - max(ax1, bx1), 0)
  let h = max(min(ay2, by2) - max(ay1, by1), 0)
  let inter = w * h
  let union = (area1 + area2) - inter
  return union == 0 ? 0 : inter / union
}
