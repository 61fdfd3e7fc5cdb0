import Foundation

/// The classification-bias initialisation of RetinaNet (Lin et al., 2017, §3.3 "Class
/// Imbalance and Model Initialization" and §4.1): `b = -ln((1 - pi) / pi)`, so that
/// `sigma(b) = pi` and at the start every anchor is predicted foreground with confidence
/// about `pi` (0.01 in the paper).
///
/// This is what the paper means by "initialization": it concerns the bias of the final
/// classification convolution, not the anchor geometry. With a zero bias every one of
/// the ~10^5 background anchors would start at p = 0.5 and their loss would swamp and
/// destabilise the first iterations; with `b` for `pi = 0.01` a background element's
/// focal loss starts at 7.5e-7. torchvision, detectron2 (`prior_prob`) and Detectron
/// use it; the other head layers start from N(0, 0.01) weights and zero bias.
///
/// - Parameter probability: `pi`, in (0, 1).
/// - Returns: the bias; -4.59511985013459 for 0.01.
/// - Precondition: `0 < probability < 1`.
/// - Complexity: O(1).
public func priorBias(probability: Double) -> Double {
  precondition(
    probability > 0 && probability < 1, "prior probability must be in (0, 1), got \(probability)")
  return -log((1 - probability) / probability)
}
