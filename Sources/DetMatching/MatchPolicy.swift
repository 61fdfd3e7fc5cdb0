/// Which framework's max-IoU labelling rule an ``IoUMatcher`` reproduces.
///
/// All policies share the threshold step: with `m` an anchor's best IoU over the ground
/// truth and `g` the first ground truth reaching it, `m >= high` gives `g`,
/// `low <= m < high` gives ``MatchLabel/ignore`` and `m < low` gives
/// ``MatchLabel/background``. They differ only in the *low-quality* step (when
/// ``IoUMatcher/allowsLowQualityMatches`` is on), where every anchor whose IoU with a
/// ground truth `j` equals `j`'s best IoU ("a tie for `j`") is made positive:
public enum MatchPolicy: Sendable, Hashable {
  /// torchvision `Matcher`: a tied anchor gets its *own* best ground truth `g`, not
  /// necessarily `j`; ties are exact (`==`), and a ground truth whose best IoU is 0 ties
  /// with every anchor (so every anchor turns positive).
  case torchvision
  /// detectron2 `Matcher`: label 1 for tied anchors with the anchor's own argmax index.
  /// In the index encoding this is exactly ``torchvision``.
  case detectron2
  /// mmdetection `MaxIoUAssigner`: ground truths are visited in index order; if `j`'s
  /// best IoU is at least `minPositiveIoU`, every anchor tied for `j`
  /// (`assignsAllTies`, mmdetection's `gt_max_assign_all`) or only the first one is
  /// assigned to `j` itself, later ground truths overwriting earlier ones (this can
  /// replace a better threshold match). Configs use `minPositiveIoU` 0.3 (RPN), 0
  /// (RetinaNet). mmdetection clamps the IoU union at 1e-6; detkit does not (the two
  /// differ only for boxes whose union is below 1e-6 square pixels).
  case mmdetection(minPositiveIoU: Float, assignsAllTies: Bool)
  /// Detectron RetinaNet (`roi_data/retinanet.py`): the torchvision result, after which
  /// every anchor whose best IoU is below `low` is reset to background (low-quality
  /// positives below `low` are dropped).
  case detectron
  /// detkit's default: torchvision's rule with two guards. A ground truth whose best IoU
  /// is 0 creates no low-quality matches, and an anchor ties for `j` when its IoU with `j`
  /// is positive and at least `best(j) - tieTolerance` (absolute, in IoU units), which
  /// absorbs the ~1e-7 rounding differences that make exact `==` ties fragile.
  case detkit(tieTolerance: Float)

  /// The tolerance ``detkit(tieTolerance:)`` uses by default: 1e-5 IoU.
  public static let defaultTieTolerance: Float = 1e-5

  /// ``detkit(tieTolerance:)`` with ``defaultTieTolerance``.
  public static var detkit: MatchPolicy { .detkit(tieTolerance: defaultTieTolerance) }

  /// mmdetection's `MaxIoUAssigner` defaults: `min_pos_iou = 0`, `gt_max_assign_all = True`.
  public static var mmdetection: MatchPolicy {
    .mmdetection(minPositiveIoU: 0, assignsAllTies: true)
  }
}
