/// The IoU of one pair of `xyxy` boxes with torchvision `box_iou`'s float32 op order, for
/// matchers that walk their own loops:
///
///     area = (x2 - x1) * (y2 - y1)          (per box, not clamped)
///     w = max(min(ax2, bx2) - max(ax1, bx1), 0), h likewise
///     inter = w * h; union = (areaA + areaB) - inter
///     iou = union == 0 ? 0 : inter / union
///
/// Bit-identical to ``pairwiseIoU(_:_:kind:)`` and to torchvision wherever torchvision is
/// finite; 0 where torchvision returns NaN (`union == 0`).
///
/// - Complexity: O(1).
@inlinable
package func pairIoU(_ a: Box, _ b: Box) -> Float {
  let areaA = (a.x2 - a.x1) * (a.y2 - a.y1)
  let areaB = (b.x2 - b.x1) * (b.y2 - b.y1)
  return pairIoU(a, area: areaA, b, area: areaB)
}

/// ``pairIoU(_:_:)`` with the boxes' areas `(x2 - x1) * (y2 - y1)` computed once by the
/// caller.
///
/// - Complexity: O(1).
@inlinable
package func pairIoU(_ a: Box, area areaA: Float, _ b: Box, area areaB: Float) -> Float {
  let w = max(min(a.x2, b.x2) - max(a.x1, b.x1), 0)
  let h = max(min(a.y2, b.y2) - max(a.y1, b.y1), 0)
  let inter = w * h
  let union = (areaA + areaB) - inter
  return union == 0 ? 0 : inter / union
}
