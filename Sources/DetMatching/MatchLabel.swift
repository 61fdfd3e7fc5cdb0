/// The values a matcher writes for an anchor that is not matched to a ground truth.
///
/// A match array holds, per anchor, the index (`>= 0`) of its ground truth, or one of
/// these negative codes, exactly as torchvision's `Matcher` does
/// (`BELOW_LOW_THRESHOLD = -1`, `BETWEEN_THRESHOLDS = -2`).
public enum MatchLabel {
  /// Background: the anchor's best IoU is below the low threshold.
  public static let background: Int = -1
  /// Ignored: between the thresholds, or inside an ignore region; excluded from losses.
  public static let ignore: Int = -2
}
