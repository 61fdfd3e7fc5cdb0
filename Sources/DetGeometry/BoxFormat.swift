/// How the four numbers of a box are laid out.
///
/// - `xyxy`: corners `(x1, y1, x2, y2)`, the layout of ``Box`` and ``BoxArray``.
/// - `xywh`: top-left corner and size `(x1, y1, w, h)`, as COCO's `bbox`.
/// - `cxcywh`: centre and size `(cx, cy, w, h)`.
///
/// The conversions use torchvision's `box_convert` arithmetic in `Float`, so they give the
/// same bits: `x2 = x + w`; `x1 = cx - 0.5 * w`, `x2 = cx + 0.5 * w`; `cx = (x1 + x2) / 2`;
/// `w = x2 - x1`. No "+1" anywhere.
public enum BoxFormat: String, CaseIterable, Hashable, Sendable {
  case xyxy
  case xywh
  case cxcywh
}
