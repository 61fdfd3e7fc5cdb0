import Foundation

/// Class-name lists of YOLO datasets: a names text file (`names.txt`, `classes.txt`,
/// darknet's `obj.names`) or the `names:` key of an Ultralytics dataset YAML.
enum YOLOClassNames {
  /// One name per line, surrounding whitespace removed. Blank lines at the end are
  /// ignored; a blank line before the last name is an error (it would shift every index).
  ///
  /// - Throws: ``FormatFailure`` with the line of a blank name, or for invalid UTF-8.
  static func parse(text bytes: [UInt8]) throws -> [String] {
    guard
      let text = String(
        validating: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes,
        as: UTF8.self)
    else {
      throw FormatFailure("not UTF-8 text")
    }
    var names = lines(text).map {
      $0.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    while names.last == "" { names.removeLast() }
    if let blank = names.firstIndex(of: "") {
      throw FormatFailure("blank class name: expected one name per line", line: blank + 1)
    }
    return names
  }

  /// The class names under the top-level `names:` key of a dataset YAML, or `nil` when
  /// the file has no such key.
  ///
  /// Only the YAML this key needs is read, in block or flow style:
  ///
  ///     names: [person, 'traffic light', "fire hydrant"]   # flow list, may span lines
  ///     names: {0: person, 1: bicycle}                     # flow map
  ///     names:                                             # block map (Ultralytics)
  ///       0: person
  ///       1: bicycle
  ///     names:                                             # block list
  ///       - person
  ///
  /// Scalars may be plain, 'single-quoted' or "double-quoted"; `#` comments are dropped.
  /// A map's keys must be the whole numbers `0..<n` (any order), as Ultralytics'
  /// `check_class_names` requires. When a top-level `nc:` is present it must equal the
  /// number of names. Everything else in the file is skipped unread.
  ///
  /// - Throws: ``FormatFailure`` with the line on anything outside that subset.
  /// - Complexity: O(n) in the file size.
  static func parse(yaml bytes: [UInt8]) throws -> [String]? {
    guard
      let text = String(
        validating: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes,
        as: UTF8.self)
    else {
      throw FormatFailure("not UTF-8 text")
    }
    let lines = lines(text)
    var names: [String]?
    var declaredCount: (value: Int, line: Int)?
    var i = 0
    while i < lines.count {
      let line = lines[i]
      if let rest = topLevelValue(line, key: "nc") {
        let value = stripComment(rest).trimmingCharacters(in: .whitespaces)
        guard let n = Int(value), n >= 0 else {
          throw FormatFailure("nc: '\(value)': expected a whole number", line: i + 1)
        }
        declaredCount = (n, i + 1)
        i += 1
      } else if let rest = topLevelValue(line, key: "names") {
        guard names == nil else { throw FormatFailure("a second names: key", line: i + 1) }
        (names, i) = try namesValue(rest, lines: lines, keyLine: i)
      } else {
        i += 1
      }
    }
    if let names, let declaredCount, declaredCount.value != names.count {
      throw FormatFailure(
        "nc: \(declaredCount.value) but names: lists \(names.count)", line: declaredCount.line)
    }
    return names
  }

  // MARK: - The names value

  /// Parses what follows `names:` and returns the names and the index of the next line.
  private static func namesValue(_ rest: String, lines: [String], keyLine: Int) throws -> (
    [String], Int
  ) {
    let inline = stripComment(rest).trimmingCharacters(in: .whitespaces)
    if inline.hasPrefix("[") || inline.hasPrefix("{") {
      // Gather lines until the brackets balance.
      var text = rest
      var end = keyLine
      var scanner = FlowScanner(text: text, line: keyLine + 1)
      while !scanner.isBalanced {
        end += 1
        guard end < lines.count else {
          throw FormatFailure("unterminated flow collection after names:", line: keyLine + 1)
        }
        text += "\n" + lines[end]
        scanner = FlowScanner(text: text, line: keyLine + 1)
      }
      let items = try scanner.items()
      return (try ordered(items, line: keyLine + 1), end + 1)
    }
    guard inline.isEmpty else {
      throw FormatFailure(
        "names: '\(inline.prefix(40))': expected a list or a map", line: keyLine + 1)
    }
    var items: [(key: String?, value: String, line: Int)] = []
    var i = keyLine + 1
    while i < lines.count {
      let line = lines[i]
      let content = stripComment(line).trimmingCharacters(in: .whitespaces)
      if content.isEmpty {
        i += 1
        continue
      }
      let indent = line.prefix { $0 == " " || $0 == "\t" }
      if indent.contains("\t") { throw FormatFailure("tab in indentation", line: i + 1) }
      // A block sequence may sit at the key's own indentation; anything else at column 0 ends it.
      if indent.isEmpty, !content.hasPrefix("- "), content != "-" { break }
      if content.hasPrefix("-") && (content.count == 1 || content.dropFirst().first == " ") {
        items.append((nil, try scalar(String(content.dropFirst()), line: i + 1), i + 1))
      } else if let colon = mapColon(content) {
        let chars = Array(content)
        let key = try scalar(String(chars[..<colon]), line: i + 1)
        let value = String(chars[(colon + 1)...])
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else {
          throw FormatFailure("class \(key) has no name on its line", line: i + 1)
        }
        items.append((key, try scalar(value, line: i + 1), i + 1))
      } else {
        throw FormatFailure(
          "'\(content.prefix(40))': expected '- name' or 'index: name'", line: i + 1)
      }
      i += 1
    }
    guard !items.isEmpty else { throw FormatFailure("names: is empty", line: keyLine + 1) }
    return (try ordered(items, line: keyLine + 1), i)
  }

  /// Names in index order from list items (no keys) or map items (whole-number keys).
  private static func ordered(_ items: [(key: String?, value: String, line: Int)], line: Int) throws
    -> [String]
  {
    let keyed = items.filter { $0.key != nil }.count
    if keyed == 0 { return items.map(\.value) }
    guard keyed == items.count else {
      throw FormatFailure("names: mixes list items and 'index: name' entries", line: line)
    }
    var names = [String?](repeating: nil, count: items.count)
    for item in items {
      guard let index = Int(item.key!), index >= 0, index < items.count else {
        throw FormatFailure(
          "class index '\(item.key!)': a \(items.count)-class map needs the indices 0-\(items.count - 1)",
          line: item.line)
      }
      guard names[index] == nil else {
        throw FormatFailure("class index \(index) given twice", line: item.line)
      }
      names[index] = item.value
    }
    return names.map { $0! }
  }

  // MARK: - Lexical helpers

  /// The lines of `text`, split at `\n` and `\r\n` (one `Character` in Swift).
  static func lines(_ text: String) -> [String] {
    text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.map(String.init)
  }

  /// Whether a quote character after `previous` (the last non-blank character, `nil` at the
  /// start) opens a quoted scalar: only where a scalar can start, so the apostrophe of a
  /// plain `it's` is just a letter.
  static func opensQuote(after previous: Character?) -> Bool {
    guard let previous else { return true }
    return "[{,:-".contains(previous)
  }

  /// The text after `key:` when `line` is that key at column 0.
  private static func topLevelValue(_ line: String, key: String) -> String? {
    guard line.hasPrefix(key) else { return nil }
    let after = line.dropFirst(key.count).drop { $0 == " " }
    guard after.first == ":" else { return nil }
    let value = after.dropFirst()
    guard value.isEmpty || value.first == " " || value.first == "\t" else { return nil }
    return String(value)
  }

  /// Calls `body(i, c)` for each character of `chars` outside quoted scalars, until it
  /// returns false. A quote opens a scalar only where one can start (see
  /// ``opensQuote(after:)``); `''` inside single quotes and `\"` inside double quotes are
  /// escapes, not ends. An unterminated quote runs to the end.
  static func scanUnquoted(_ chars: [Character], _ body: (Int, Character) -> Bool) {
    var i = 0
    var previous: Character?
    while i < chars.count {
      let c = chars[i]
      if c == "'" || c == "\"", opensQuote(after: previous) {
        var j = i + 1
        while j < chars.count {
          if c == "'", chars[j] == "'" {
            if j + 1 < chars.count, chars[j + 1] == "'" {
              j += 2
              continue
            }
            break
          }
          if c == "\"", chars[j] == "\\" {
            j += 2
            continue
          }
          if c == "\"", chars[j] == "\"" { break }
          j += 1
        }
        previous = c
        i = j + 1
        continue
      }
      if !body(i, c) { return }
      if c != " ", c != "\t" { previous = c }
      i += 1
    }
  }

  /// The offset of the `: ` (or final `:`) that separates a block-map key from its value,
  /// outside quotes.
  private static func mapColon(_ content: String) -> Int? {
    let chars = Array(content)
    var found: Int?
    scanUnquoted(chars) { i, c in
      if c == ":", i + 1 == chars.count || chars[i + 1] == " " {
        found = i
        return false
      }
      return true
    }
    return found
  }

  /// `text` without a `#` comment (a `#` at the start or after whitespace, outside quotes).
  static func stripComment(_ text: String) -> String {
    let chars = Array(text)
    var cut: Int?
    scanUnquoted(chars) { i, c in
      if c == "#", i == 0 || chars[i - 1] == " " || chars[i - 1] == "\t" {
        cut = i
        return false
      }
      return true
    }
    guard let cut else { return text }
    return String(chars[..<cut])
  }

  /// A plain, single-quoted or double-quoted scalar, trimmed.
  static func scalar(_ raw: String, line: Int) throws -> String {
    let text = raw.trimmingCharacters(in: .whitespaces)
    guard let first = text.first else { throw FormatFailure("empty class name", line: line) }
    if first == "'" {
      guard text.count >= 2, text.last == "'" else {
        throw FormatFailure("unterminated 'quoted' name", line: line)
      }
      return String(text.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
    }
    if first == "\"" {
      guard text.count >= 2, text.last == "\"" else {
        throw FormatFailure("unterminated \"quoted\" name", line: line)
      }
      return try unescape(String(text.dropFirst().dropLast()), line: line)
    }
    return text
  }

  private static func unescape(_ body: String, line: Int) throws -> String {
    var out = ""
    var it = body.makeIterator()
    while let c = it.next() {
      guard c == "\\" else {
        out.append(c)
        continue
      }
      switch it.next() {
      case "\\": out.append("\\")
      case "\"": out.append("\"")
      case "/": out.append("/")
      case "n": out.append("\n")
      case "t": out.append("\t")
      case "u":
        var hex = ""
        for _ in 0..<4 { if let h = it.next() { hex.append(h) } }
        guard let v = UInt32(hex, radix: 16), let s = Unicode.Scalar(v) else {
          throw FormatFailure("bad \\u escape in a quoted name", line: line)
        }
        out.unicodeScalars.append(s)
      default: throw FormatFailure("unsupported escape in a quoted name", line: line)
      }
    }
    return out
  }
}

/// Splits a YAML flow collection (`[a, 'b', "c"]` or `{0: a, 1: b}`) into items.
private struct FlowScanner {
  let text: String
  let line: Int

  /// True when every bracket opened outside quotes is closed.
  var isBalanced: Bool {
    var depth = 0
    var opened = false
    YOLOClassNames.scanUnquoted(Array(YOLOClassNames.stripCommentsPerLine(text))) { _, c in
      if c == "[" || c == "{" {
        depth += 1
        opened = true
      } else if c == "]" || c == "}" {
        depth -= 1
      }
      return true
    }
    return opened && depth <= 0
  }

  func items() throws -> [(key: String?, value: String, line: Int)] {
    let body = YOLOClassNames.stripCommentsPerLine(text).trimmingCharacters(
      in: .whitespacesAndNewlines)
    let isMap = body.hasPrefix("{")
    guard (isMap && body.hasSuffix("}")) || (!isMap && body.hasSuffix("]")) else {
      throw FormatFailure("text after the flow collection of names:", line: line)
    }
    let inner = body.dropFirst().dropLast()
    // Split on commas outside quotes; nested collections are not class names.
    let chars = Array(inner)
    var parts: [String] = []
    var start = 0
    var nested = false
    YOLOClassNames.scanUnquoted(chars) { i, c in
      if c == "," {
        parts.append(String(chars[start..<i]))
        start = i + 1
      } else if "[]{}".contains(c) {
        nested = true
        return false
      }
      return true
    }
    if nested { throw FormatFailure("nested collection inside names:", line: line) }
    let last = String(chars[start...])
    if !last.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { parts.append(last) }
    return try parts.map { part in
      let item = part.trimmingCharacters(in: .whitespacesAndNewlines)
      guard isMap else { return (nil, try YOLOClassNames.scalar(item, line: line), line) }
      let itemChars = Array(item)
      var colon: Int?
      YOLOClassNames.scanUnquoted(itemChars) { i, c in
        if c == ":" { colon = i }
        return colon == nil
      }
      guard let colon else {
        throw FormatFailure(
          "'\(item.prefix(40))': expected 'index: name' in names: {...}", line: line)
      }
      return (
        try YOLOClassNames.scalar(String(itemChars[..<colon]), line: line),
        try YOLOClassNames.scalar(String(itemChars[(colon + 1)...]), line: line), line
      )
    }
  }
}

extension YOLOClassNames {
  /// Removes `#` comments from every line of a multi-line flow collection.
  fileprivate static func stripCommentsPerLine(_ text: String) -> String {
    lines(text).map(stripComment).joined(separator: "\n")
  }
}
