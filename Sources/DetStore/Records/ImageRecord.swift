/// One image of a dataset: its original id, file name (as stored in the source, possibly
/// with subfolders; exporters sanitise it) and size in pixels.
public struct ImageRecord: Hashable, Sendable {
  public var id: RecordID
  public var fileName: String
  /// Width in pixels; must be > 0.
  public var width: Int
  /// Height in pixels; must be > 0.
  public var height: Int
  /// Source members this record's typed fields do not reproduce, as the text of a JSON
  /// object kept verbatim (`{"coco_url": "http://...", "license": 4}`); the COCO export
  /// writes them back, and a member here replaces the exporter's own for the same key
  /// (e.g. an id the source wrote as the string `"2299"`). `nil` when none.
  public var extra: String?

  /// The largest width or height an import accepts: 100,000 px. Larger sides (a corrupt
  /// record, or a size in the wrong unit) are rejected as `SkipReason.oversizedImage` under
  /// the import's `ValidationPolicy` (strict: the import fails naming the file and record;
  /// skip: the image is skipped, its annotations with it as `unknownImage`, and counted).
  /// A 100,000 px side is 25x the largest photos of COCO, LVIS, Objects365 and Open Images;
  /// anchor grids of stored sizes are limited separately, by
  /// `AnchorGenerator.maximumAnchorCount`.
  public static let maximumSide = 100_000

  public init(id: RecordID, fileName: String, width: Int, height: Int, extra: String? = nil) {
    self.id = id
    self.fileName = fileName
    self.width = width
    self.height = height
    self.extra = extra
  }
}
