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

  public init(
    replace: Bool = false, policy: ValidationPolicy = .strict, clip: Bool = false,
    tolerance: Double = 1
  ) {
    precondition(tolerance >= 0 && tolerance.isFinite, "tolerance must be finite and >= 0")
    self.replace = replace
    self.policy = policy
    self.clip = clip
    self.tolerance = tolerance
  }
}
