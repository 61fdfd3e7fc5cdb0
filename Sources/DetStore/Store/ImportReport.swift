/// What an import stored, what it skipped and why, and warnings worth a user's attention.
public struct ImportReport: Hashable, Sendable {
  public var dataset: String
  public var categories: Int = 0
  public var images: Int = 0
  public var annotations: Int = 0
  public var detections: Int = 0
  /// Boxes changed by clipping (`ImportOptions.clip`).
  public var clipped: Int = 0
  /// Records left out under `ValidationPolicy.skip`, by reason; reasons with no skip are absent.
  public var skipped: [SkipReason: Int] = [:]
  /// Notes that do not invalidate a record (e.g. "label file without image"), in order.
  public var warnings: [String] = []
  /// Whether an existing dataset of the same name was replaced.
  public var replaced: Bool = false

  public init(dataset: String) { self.dataset = dataset }

  /// The total over all reasons.
  public var skippedTotal: Int { skipped.values.reduce(0, +) }
}
