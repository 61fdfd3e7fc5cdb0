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

  public init(id: RecordID, fileName: String, width: Int, height: Int, extra: String? = nil) {
    self.id = id
    self.fileName = fileName
    self.width = width
    self.height = height
    self.extra = extra
  }
}
