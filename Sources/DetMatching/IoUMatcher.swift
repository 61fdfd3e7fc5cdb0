import DetGeometry

/// Max-IoU assignment of ground-truth boxes to anchors, reproducing torchvision,
/// detectron2, mmdetection or Detectron exactly (see ``MatchPolicy``).
///
/// For every anchor the result holds the index (`>= 0`) of its ground truth,
/// ``MatchLabel/background`` (-1) or ``MatchLabel/ignore`` (-2), torchvision's `Matcher`
/// encoding. IoU is torchvision's `box_iou` in `Float`, bit for bit.
///
/// Degenerate cases, for every policy:
/// - no ground truth: every anchor is background (no error);
/// - a degenerate ground-truth box (width or height `<= 0`, NaN or infinite): a
///   ``MatchingError`` or, with ``DegenerateGroundTruth/skip``, the box takes no part
///   and is listed in ``MatchStatistics/skippedGroundTruth``; indices still refer to the
///   caller's rows;
/// - ignore regions (COCO crowd boxes, mmdetection's `ignore_iof_thr`): an anchor whose
///   intersection over its own area with some region is above
///   ``ignoreIoFThreshold`` becomes ``MatchLabel/ignore`` and is removed from matching
///   (it counts towards no ground truth's best IoU and cannot turn positive).
///
/// Entry points: ``match(groundTruth:anchors:ignoreRegions:)`` for any anchor set
/// (streaming dense, O(M + N) memory), ``match(groundTruth:in:ignoreRegions:)`` for an
/// anchor grid (sparse, same result), ``match(iouMatrix:groundTruthCount:ignoring:)``
/// for a precomputed matrix.
public struct IoUMatcher: Sendable, Hashable {
  /// An anchor whose best IoU is at least this is positive. torchvision RPN: 0.7.
  public var highThreshold: Float
  /// An anchor whose best IoU is below this is background. torchvision RPN: 0.3.
  public var lowThreshold: Float
  /// Turns on the low-quality step of ``policy``: every ground truth's best anchors
  /// (ties included) become positive even below ``highThreshold``.
  public var allowsLowQualityMatches: Bool
  /// The framework rule to reproduce.
  public var policy: MatchPolicy
  /// What to do with a degenerate ground-truth box.
  public var degenerateGroundTruth: DegenerateGroundTruth
  /// Intersection-over-anchor-area above which an anchor inside an ignore region is
  /// ignored; `nil` (the default, as in every peer) turns ignore regions off.
  public var ignoreIoFThreshold: Float?

  /// Creates a matcher.
  ///
  /// - Parameters:
  ///   - high: IoU at or above which an anchor is positive.
  ///   - low: IoU below which an anchor is background; `low <= high`.
  ///   - allowsLowQualityMatches: keep each ground truth's best anchors positive.
  ///   - policy: the framework rule; detkit's guarded rule by default.
  ///   - degenerateGroundTruth: throw (default) or skip degenerate boxes.
  ///   - ignoreIoFThreshold: `nil` (off) or a value in `(0, 1]`.
  /// - Precondition: `0 <= low <= high`; a finite positive IoF threshold; for
  ///   mmdetection a finite `minPositiveIoU >= 0`; for detkit a tolerance in `[0, 1)`.
  public init(
    high: Float, low: Float, allowsLowQualityMatches: Bool, policy: MatchPolicy = .detkit,
    degenerateGroundTruth: DegenerateGroundTruth = .throwError, ignoreIoFThreshold: Float? = nil
  ) {
    precondition(
      low >= 0 && low <= high, "IoUMatcher needs 0 <= low <= high, got low \(low), high \(high)")
    if let t = ignoreIoFThreshold {
      precondition(t > 0 && t.isFinite, "ignoreIoFThreshold must be positive and finite, got \(t)")
    }
    switch policy {
    case .mmdetection(let minPositiveIoU, _):
      precondition(
        minPositiveIoU >= 0 && minPositiveIoU.isFinite,
        "minPositiveIoU must be finite and >= 0, got \(minPositiveIoU)")
    case .detkit(let tolerance):
      precondition(
        tolerance >= 0 && tolerance < 1, "tieTolerance must be in [0, 1), got \(tolerance)")
    case .torchvision, .detectron2, .detectron: break
    }
    self.highThreshold = high
    self.lowThreshold = low
    self.allowsLowQualityMatches = allowsLowQualityMatches
    self.policy = policy
    self.degenerateGroundTruth = degenerateGroundTruth
    self.ignoreIoFThreshold = ignoreIoFThreshold
  }
}

/// What an ``IoUMatcher`` does with a ground-truth box that has no interior
/// (`x2 <= x1`, `y2 <= y1`, a NaN or infinite coordinate, or an area overflowing `Float`).
public enum DegenerateGroundTruth: Sendable, Hashable {
  /// Throw ``MatchingError/degenerateGroundTruth(index:box:)`` for the first such row.
  case throwError
  /// Leave the row out of matching and list it in ``MatchStatistics/skippedGroundTruth``.
  case skip
}
