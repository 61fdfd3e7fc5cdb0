/// One image of a dataset: its original id, file name (as stored in the source, possibly
/// with subfolders; exporters sanitise it) and size in pixels.
public struct ImageRecord: Hashable, Sendable {
  public var id: RecordID
  public var fileName: String
  /// Width in pixels; must be > 0.
  public var width: Int
  /// Height in pixels; must be > 0.
  public var height: Int

  public init(id: RecordID, fileName: String, width: Int, height: Int) {
    self.id = id
    self.fileName = fileName
    self.width = width
    self.height = height
  }
}
