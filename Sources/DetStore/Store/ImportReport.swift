/// What an import stored, what it skipped and why, and warnings worth a user's attention.
public struct ImportReport: Hashable, Sendable {
  public var dataset: String
  public var categories: Int = 0
  public var images: Int = 0
  public var annotations: Int = 0
  public var detections: Int = 0
  /// The detection set a detections import filled; `nil` for ground-truth imports.
  public var detectionSet: String?
  /// Boxes changed by clipping (`ImportOptions.clip`).
  public var clipped: Int = 0
  /// Records left out under `ValidationPolicy.skip`, by reason; reasons with no skip are absent.
  public var skipped: [SkipReason: Int] = [:]
  /// Notes that do not invalidate a record (e.g. "label file without image"), in order.
  public var warnings: [String] = []
  /// Whether an existing dataset of the same name was replaced.
  public var replaced: Bool = false
  /// The first ``ImportOptions/keptSkips`` skipped records, in the order they were found
  /// (records the importer rejected as it read them, then annotations settled at the end:
  /// unknown or late images and categories, in source order).
  public var skippedRecords: [SkippedRecord] = []

  public init(dataset: String) { self.dataset = dataset }

  /// The total over all reasons.
  public var skippedTotal: Int { skipped.values.reduce(0, +) }

  /// The records stored: categories, images, annotations and detections.
  public var keptTotal: Int { categories + images + annotations + detections }

  /// The share of the records read that were stored: kept / (kept + skipped); 1 when
  /// nothing was read.
  public var keptFraction: Double {
    let read = keptTotal + skippedTotal
    return read == 0 ? 1 : Double(keptTotal) / Double(read)
  }
}

/// One record an import skipped under `ValidationPolicy.skip`: where it is, its id when
/// known, why, and the message strict mode would have given.
public struct SkippedRecord: Hashable, Sendable {
  /// The file, line / column and path inside the document where the record is.
  public var location: SourceLocation
  /// The record's original id, when it has one that could be read.
  public var recordID: RecordID?
  public var reason: SkipReason
  public var message: String

  public init(location: SourceLocation, recordID: RecordID?, reason: SkipReason, message: String) {
    self.location = location
    self.recordID = recordID
    self.reason = reason
    self.message = message
  }
}
