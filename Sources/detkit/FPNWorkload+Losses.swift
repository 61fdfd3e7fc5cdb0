import DetGeometry
import DetLoss
import DetMatching

/// The loss stages of W-FPN: C = 80 classes, labels from the W-FPN matching (ground
/// truth `j` has class `j % 80`), deterministic logits and deltas that
/// `tools/peer_bench.py` computes identically.
extension FPNWorkload {
  /// Classes of the W-FPN loss stages.
  static let classCount = 80

  /// Element `k`'s logit: `Float((k * 2654435761) mod 2001 - 1000) / 250`, in [-4, 4].
  static func logit(_ k: Int) -> Float { Float((k &* 2_654_435_761) % 2001 - 1000) / 250 }

  /// Per anchor: the class of its matched ground truth, -1 background, -2 ignored.
  func anchorLabels() -> [Int] {
    let matches = try! FPNWorkload.matcher.match(
      groundTruth: groundTruth, in: GridAnchorIndex(anchors)
    ).matches
    return matches.map { $0 >= 0 ? $0 % FPNWorkload.classCount : $0 }
  }

  /// `focal` (forward) or `focal_grad` (forward + gradient into a preallocated buffer):
  /// sigmoid focal loss (alpha 0.25, gamma 2) summed over the non-ignored anchors x 80,
  /// divided by max(1, positives).
  func focalStage(gradient: Bool) -> () -> Any {
    let labels = anchorLabels()
    let logits = (0..<labels.count * FPNWorkload.classCount).map(FPNWorkload.logit)
    let normalizer = LossNormalizer.perImage(positives: labels.filter { $0 >= 0 }.count)
    var buffer = [Float](repeating: 0, count: gradient ? logits.count : 0)
    let focal = SigmoidFocalLoss(alpha: 0.25, gamma: 2)
    return {
      logits.withUnsafeBufferPointer { x in
        labels.withUnsafeBufferPointer { l in
          buffer.withUnsafeMutableBufferPointer { g in
            try! focal.evaluate(
              logits: x, classCount: FPNWorkload.classCount, labels: l, convention: .torchvision,
              reduction: .sum,
              normalizer: normalizer, values: nil, gradient: gradient ? g : nil
            ).loss
          }
        }
      }
    }
  }

  /// `smoothl1`: smooth L1 (beta 1/9) between deterministic deltas (`logit(k) / 40`) of
  /// the positive anchors and their encoded targets (weights 1, 1, 1, 1), summed and
  /// divided by max(1, positives).
  func smoothL1Stage() -> () -> Any {
    let targets = try! FPNWorkload.matcher.match(
      groundTruth: groundTruth, in: GridAnchorIndex(anchors)
    ).regressionTargets(groundTruth: groundTruth, anchors: anchors.boxes)
    let positives = targets.anchorIndices
    let deltas = positives.flatMap { row in (0..<4).map { FPNWorkload.logit(4 * row + $0) / 40 } }
    let normalizer = LossNormalizer.perImage(positives: positives.count)
    return {
      try! RegressionLoss.smoothL1(beta: 1.0 / 9).evaluate(
        predictions: deltas, targets: targets.deltas, reduction: .sum, normalizer: normalizer
      ).loss
    }
  }
}
