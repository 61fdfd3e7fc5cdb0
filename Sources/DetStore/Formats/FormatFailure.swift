/// A parse failure inside one input file, before the importer knows which file it was.
///
/// Parsers of bytes (image headers, XML, YOLO lines, YAML) throw this; the public
/// file-level entry points catch it and rethrow it as the module's error with the file
/// path attached, so it never escapes the module.
struct FormatFailure: Error, Sendable, Equatable {
  /// 1-based line in the file, when the format has lines.
  var line: Int?
  /// 1-based column (in UTF-8 bytes), when known.
  var column: Int?
  /// The element or key path being read (`annotation/object[2]/bndbox/xmin`), when known.
  var element: String?
  /// What was wrong and what was expected.
  var reason: String

  init(_ reason: String, line: Int? = nil, column: Int? = nil, element: String? = nil) {
    self.reason = reason
    self.line = line
    self.column = column
    self.element = element
  }

  /// `line 3, column 7, <annotation/size/width>: reason`, omitting the parts not known.
  var located: String {
    var parts: [String] = []
    if let line { parts.append("line \(line)") }
    if let column { parts.append("column \(column)") }
    if let element { parts.append("<\(element)>") }
    return parts.isEmpty ? reason : parts.joined(separator: ", ") + ": " + reason
  }
}

extension FormatFailure {
  /// The module's error for this failure in `file`: `.malformedInput` with line, column and
  /// element path.
  func storeError(file: String) -> StoreError {
    StoreError(
      .malformedInput, reason,
      location: SourceLocation(file: file, line: line, column: column, path: element))
  }

  /// Where this failure is, in `file`.
  func location(file: String) -> SourceLocation {
    SourceLocation(file: file, line: line, column: column, path: element)
  }
}
