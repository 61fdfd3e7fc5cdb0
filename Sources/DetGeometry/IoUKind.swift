/// Which overlap measure of the IoU family to compute.
///
/// With `I` the intersection area, `U = areaA + areaB - I` the union, `C` the area of the
/// smallest enclosing box, `rho` the distance between the centres and `c` the diagonal of
/// the enclosing box (torchvision `ops/boxes.py`, whose float32 op order detkit follows):
///
/// - `iou`:  `I / U`, in `[0, 1]`.
/// - `giou`: `IoU - (C - U) / C`, in `[-1, 1]` (Rezatofighi et al. 2019).
/// - `diou`: `IoU - rho^2 / (c^2 + eps)`, in `[-1, 1]` (Zheng et al. 2020).
/// - `ciou`: `DIoU - alpha * v` with `v = 4 / pi^2 * (atan(wB / hB) - atan(wA / hA))^2` and
///   `alpha = v / (1 - IoU + v + eps)`.
///
/// `eps` is ``IoUKind/eps`` (`1e-7` as a `Float`, torchvision's default). Where torchvision
/// divides 0 by 0 and returns NaN (two zero-area boxes: `U = 0`; an enclosing box of zero
/// area; a box with `w = h = 0` in CIoU's aspect term) detkit returns a defined value: IoU 0,
/// GIoU penalty 0, aspect term `v` 0.
public enum IoUKind: String, CaseIterable, Sendable {
  case iou
  case giou
  case diou
  case ciou

  /// The `eps` of DIoU and CIoU: `Float(1e-7)`, torchvision's `distance_box_iou` /
  /// `complete_box_iou` default. Plain IoU and GIoU use no eps.
  public static let eps: Float = 1e-7
}
