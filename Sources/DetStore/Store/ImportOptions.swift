/// How an import treats existing data and invalid records.
public struct ImportOptions: Hashable, Sendable {
  /// Replace a dataset of the same name (atomically, in the import's transaction) instead
  /// of failing with `StoreError.Code.datasetExists`.
  public var replace: Bool
  public var policy: ValidationPolicy
  /// Clip boxes that extend beyond their image to the image instead of judging them
  /// against `tolerance`. A box with nothing left inside is still `.outsideImage`.
  public var clip: Bool
  /// How far (pixels) a box may extend beyond its image, on any side, and still be valid
  /// when `clip` is off. The default 1 px admits VOC's 1-based `xmax == width + 1`-style
  /// off-by-one and COCO's float round-off (e.g. `x + w = 640.01` on a 640 px image).
  public var tolerance: Double
  /// How many skipped records the report keeps (``ImportReport/skippedRecords``), in the
  /// order found; the counts by reason are always complete. 5 by default (a few to show);
  /// `Int.max` keeps every one (memory O(skips)).
  public var keptSkips: Int
  /// The least share of the records read that an import must keep (``ImportReport/
  /// keptFraction``) to replace an existing dataset or detection set; below it the import
  /// fails with `.tooFewKept` and nothing changes. In [0, 1]; 0 replaces whatever was kept.
  /// An import that replaces nothing is not checked.
  public var minimumKeptFraction: Double

  /// The default ``minimumKeptFraction``: an import that lost half of what it read does
  /// not replace a dataset unless asked to.
  public static let defaultMinimumKeptFraction = 0.5

  public init(
    replace: Bool = false, policy: ValidationPolicy = .strict, clip: Bool = false,
    tolerance: Double = 1, keptSkips: Int = 5,
    minimumKeptFraction: Double = ImportOptions.defaultMinimumKeptFraction
  ) {
    precondition(tolerance >= 0 && tolerance.isFinite, "tolerance must be finite and >= 0")
    precondition(keptSkips >= 0, "keptSkips must be >= 0")
    precondition(
      (0...1).contains(minimumKeptFraction), "minimumKeptFraction must be in [0, 1]")
    self.replace = replace
    self.policy = policy
    self.clip = clip
    self.tolerance = tolerance
    self.keptSkips = keptSkips
    self.minimumKeptFraction = minimumKeptFraction
  }
}
