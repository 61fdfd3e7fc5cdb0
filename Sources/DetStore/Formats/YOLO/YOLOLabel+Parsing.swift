extension YOLOLabel {
  /// The labels of one YOLO `.txt` file and one failure for each line that had to be
  /// left out.
  struct ParsedFile {
    /// Every non-blank line in file order: a label, or why the line was left out.
    var lines: [Result<YOLOLabel, FormatFailure>] = []

    var labels: [YOLOLabel] { lines.compactMap { try? $0.get() } }

    var rejectedLines: [FormatFailure] {
      lines.compactMap { if case .failure(let f) = $0 { f } else { nil } }
    }
  }

  /// Parses a YOLO label file.
  ///
  /// Lines are split on spaces and tabs; blank lines are skipped; `\r\n` endings and a
  /// UTF-8 BOM are accepted. A line must have 5 fields (`class cx cy w h`) or an odd
  /// number of at least 7 (a polygon of at least 3 points); the class is a non-negative
  /// whole number (`3` or `3.0`), the rest are finite decimals. Whether the box is inside
  /// the image or has positive size is left to the importer's validation.
  ///
  /// - Complexity: O(n) in the file size.
  static func parse(file bytes: [UInt8]) -> ParsedFile {
    var result = ParsedFile()
    var body = bytes[...]
    if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
    var lineNumber = 0
    for rawLine in body.split(separator: 0x0A, omittingEmptySubsequences: false) {
      lineNumber += 1
      let fields = rawLine.split {
        $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0B || $0 == 0x0C
      }
      if fields.isEmpty { continue }
      do {
        result.lines.append(.success(try parse(fields: fields, line: lineNumber)))
      } catch let failure as FormatFailure {
        result.lines.append(.failure(failure))
      } catch {
        preconditionFailure("unexpected error \(error)")
      }
    }
    return result
  }

  private static func parse(fields: [ArraySlice<UInt8>], line: Int) throws -> YOLOLabel {
    func text(_ i: Int) -> String { String(decoding: fields[i].prefix(40), as: UTF8.self) }
    guard fields.count == 5 || (fields.count >= 7 && fields.count % 2 == 1) else {
      let hint = fields.count == 6 ? " (a sixth column is usually a detection score)" : ""
      throw FormatFailure(
        "\(fields.count) fields: expected 5 (class cx cy w h) or a polygon (class x1 y1 ... xn yn, "
          + "n >= 3)\(hint)", line: line)
    }
    guard let cls = StrictDecimal.parse(String(decoding: fields[0], as: UTF8.self)),
      cls >= 0, cls == cls.rounded(), cls < Double(Int32.max)
    else {
      throw FormatFailure("class '\(text(0))': expected a non-negative whole number", line: line)
    }
    var values: [Double] = []
    values.reserveCapacity(fields.count - 1)
    for i in 1..<fields.count {
      guard let value = StrictDecimal.parse(String(decoding: fields[i], as: UTF8.self)) else {
        throw FormatFailure(
          "field \(i + 1) '\(text(i))' is not a finite decimal number", line: line)
      }
      values.append(value)
    }
    if fields.count == 5 {
      return YOLOLabel(
        classIndex: Int(cls), centerX: values[0], centerY: values[1], width: values[2],
        height: values[3], line: line)
    }
    let xs = stride(from: 0, to: values.count, by: 2).map { values[$0] }
    let ys = stride(from: 1, to: values.count, by: 2).map { values[$0] }
    let (x1, x2, y1, y2) = (xs.min()!, xs.max()!, ys.min()!, ys.max()!)
    return YOLOLabel(
      classIndex: Int(cls), centerX: (x1 + x2) / 2, centerY: (y1 + y2) / 2, width: x2 - x1,
      height: y2 - y1, polygon: values, line: line)
  }
}
