/// Where a record or token sits in an input file: the file, a 1-based line and column when
/// the importer knows them, and a path inside the document (`annotations[12].bbox[2]` for
/// JSON, `object[1]/bndbox/xmin` for XML, `line 7` style text for line formats).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
  public var file: String
  public var line: Int?
  public var column: Int?
  public var path: String?

  public init(file: String, line: Int? = nil, column: Int? = nil, path: String? = nil) {
    self.file = file
    self.line = line
    self.column = column
    self.path = path
  }

  /// `file:line:column (path)`, leaving out the parts that are unknown.
  public var description: String {
    var text = file
    if let line {
      text += ":\(line)"
      if let column { text += ":\(column)" }
    }
    if let path, !path.isEmpty { text += " (\(path))" }
    return text
  }
}
