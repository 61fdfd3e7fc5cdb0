/// A small strict, non-validating XML parser for annotation files (Pascal VOC, CVAT).
///
/// Safety is the point of writing one instead of using libxml2 through FoundationXML:
/// - DTDs are never read or fetched. A `<!DOCTYPE>` without an internal subset is
///   skipped; one with an internal subset (`[...]`, where entity declarations live) is
///   refused, so "billion laughs" expansion and external `SYSTEM` entities cannot happen.
/// - Only the five predefined entities and numeric character references are decoded;
///   any other `&name;` is an error.
/// - Nesting depth is capped at ``depthLimit``; input must be UTF-8 (a UTF-8 BOM is
///   allowed) or declare ISO-8859-1 / US-ASCII, which is converted.
///
/// Memory is proportional to the input: there is no expansion step.
///
/// - Complexity: O(n) in the input size (plus O(log n) per element to locate its line).
struct XMLReader {
  /// The deepest element nesting accepted (VOC files use 4).
  static let depthLimit = 256

  private var bytes: [UInt8]
  private var at = 0
  /// Offsets of every `\n`, to turn an offset into a line and column.
  private var newlines: [Int] = []

  /// Parses `input` and returns its root element.
  ///
  /// - Throws: ``FormatFailure`` with line and column on malformed or refused input.
  static func parse(_ input: [UInt8]) throws -> XMLNode {
    var reader = XMLReader(bytes: input)
    return try reader.document()
  }

  private init(bytes: [UInt8]) {
    self.bytes = bytes
  }

  // MARK: - Document

  private mutating func document() throws -> XMLNode {
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
      bytes.removeFirst(3)
    } else if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
      throw FormatFailure("UTF-16 XML is not supported: expected UTF-8", line: 1, column: 1)
    }
    try declaration()
    for (i, b) in bytes.enumerated() where b == 0x0A { newlines.append(i) }
    try validateUTF8()
    var root: XMLNode?
    while true {
      skipWhitespace()
      guard at < bytes.count else { break }
      if looking(at: "<?") {
        try skipPast("?>", what: "processing instruction")
      } else if looking(at: "<!--") {
        try comment()
      } else if looking(at: "<!DOCTYPE") {
        guard root == nil else { throw failure("<!DOCTYPE> after the root element") }
        try doctype()
      } else if byte(at) == UInt8(ascii: "<") {
        guard root == nil else { throw failure("a second root element: expected one") }
        root = try element()
      } else {
        throw failure(root == nil ? "text before the root element" : "text after the root element")
      }
    }
    guard let root else { throw failure("no root element: expected <annotation>") }
    return root
  }

  /// Reads an `<?xml ...?>` declaration, converting Latin-1 input to UTF-8.
  private mutating func declaration() throws {
    guard looking(at: "<?xml"), let end = find("?>", from: at) else { return }
    let text = String(decoding: bytes[at..<end], as: UTF8.self)
    guard let range = text.range(of: "encoding") else { return }
    let rest = text[range.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" }
    guard let quote = rest.first, quote == "\"" || quote == "'" else { return }
    let encoding = rest.dropFirst().prefix { $0 != quote }.lowercased()
    switch encoding {
    case "utf-8", "utf8", "us-ascii", "ascii":
      break
    case "iso-8859-1", "latin-1", "latin1":
      bytes = Array(String(bytes.map { Character(Unicode.Scalar($0)) }).utf8)
    default:
      throw FormatFailure(
        "XML encoding '\(encoding)' is not supported: expected UTF-8, US-ASCII or ISO-8859-1",
        line: 1, column: 1)
    }
  }

  private mutating func doctype() throws {
    var i = at + 9
    var quote: UInt8?
    while i < bytes.count {
      let b = bytes[i]
      if let q = quote {
        if b == q { quote = nil }
      } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
        quote = b
      } else if b == UInt8(ascii: "[") {
        throw failure(
          "a DTD internal subset is refused: entity declarations are never expanded "
            + "(guards against entity-expansion bombs and external entities)")
      } else if b == UInt8(ascii: ">") {
        at = i + 1
        return
      }
      i += 1
    }
    throw failure("unterminated <!DOCTYPE")
  }

  // MARK: - Elements

  private mutating func element() throws -> XMLNode {
    // An explicit stack instead of recursion: depth is bounded by a check, not the stack.
    var stack: [XMLNode] = []
    while true {
      if looking(at: "</") {
        let start = at
        at += 2
        let name = try self.name()
        skipWhitespace()
        guard byte(at) == UInt8(ascii: ">") else {
          throw failure("expected '>' to close </\(name)")
        }
        at += 1
        guard let done = stack.popLast() else { throw failure("unexpected </\(name)>", at: start) }
        guard done.name == name else {
          throw failure(
            "</\(name)> closes <\(done.name)> opened at line \(done.line): expected </\(done.name)>",
            at: start)
        }
        if stack.isEmpty { return done }
        stack[stack.count - 1].children.append(done)
      } else if looking(at: "<!--") {
        try comment()
      } else if looking(at: "<![CDATA[") {
        guard !stack.isEmpty else { throw failure("CDATA outside the root element") }
        let start = at + 9
        guard let end = find("]]>", from: start) else {
          throw failure("unterminated CDATA section")
        }
        stack[stack.count - 1].text += String(decoding: bytes[start..<end], as: UTF8.self)
        at = end + 3
      } else if looking(at: "<?") {
        try skipPast("?>", what: "processing instruction")
      } else if looking(at: "<!") {
        throw failure("markup declaration inside an element: expected an element, text or comment")
      } else if byte(at) == UInt8(ascii: "<") {
        guard stack.count < Self.depthLimit else {
          throw failure("elements nested deeper than \(Self.depthLimit)")
        }
        let (line, column) = location(at)
        at += 1
        var node = XMLNode(name: try name(), line: line, column: column)
        try attributes(into: &node)
        if looking(at: "/>") {
          at += 2
          if stack.isEmpty { return node }
          stack[stack.count - 1].children.append(node)
        } else {
          at += 1  // '>' (checked by attributes(into:))
          stack.append(node)
        }
      } else if at < bytes.count {
        guard !stack.isEmpty else { throw failure("text outside the root element") }
        let start = at
        while at < bytes.count, bytes[at] != UInt8(ascii: "<") { at += 1 }
        stack[stack.count - 1].text += try decodeText(start..<at)
      } else {
        let open = stack.last.map { "<\($0.name)> opened at line \($0.line)" } ?? "the root element"
        throw failure("truncated: the document ends inside \(open)")
      }
    }
  }

  private mutating func attributes(into node: inout XMLNode) throws {
    while true {
      let hadSpace = skipWhitespace()
      if looking(at: "/>") || byte(at) == UInt8(ascii: ">") { return }
      guard at < bytes.count else {
        throw failure("truncated: the document ends inside <\(node.name)")
      }
      guard hadSpace else { throw failure("expected whitespace, '>' or '/>' in <\(node.name)") }
      let name = try self.name()
      skipWhitespace()
      guard byte(at) == UInt8(ascii: "=") else {
        throw failure("expected '=' after attribute \(name)")
      }
      at += 1
      skipWhitespace()
      guard let quote = byte(at), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
        throw failure("expected a quoted value for attribute \(name)")
      }
      let start = at + 1
      var end = start
      while end < bytes.count, bytes[end] != quote {
        if bytes[end] == UInt8(ascii: "<") {
          throw failure("'<' inside the value of attribute \(name)", at: end)
        }
        end += 1
      }
      guard end < bytes.count else { throw failure("unterminated value of attribute \(name)") }
      guard node.attributes[name] == nil else { throw failure("attribute \(name) given twice") }
      node.attributes[name] = try decodeText(start..<end)
      at = end + 1
    }
  }

  private mutating func name() throws -> String {
    let start = at
    while let b = byte(at), isNameByte(b) { at += 1 }
    guard at > start, let first = byte(start), !(first >= 0x30 && first <= 0x39),
      first != UInt8(ascii: "-"), first != UInt8(ascii: ".")
    else {
      throw failure("expected a name", at: start)
    }
    return String(decoding: bytes[start..<at], as: UTF8.self)
  }

  private func isNameByte(_ b: UInt8) -> Bool {
    (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
      || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
      || b == UInt8(ascii: ":") || b >= 0x80
  }

  // MARK: - Text and references

  /// Decodes character data, resolving only predefined entities and character references.
  private func decodeText(_ range: Range<Int>) throws -> String {
    guard bytes[range].contains(UInt8(ascii: "&")) else {
      return String(decoding: bytes[range], as: UTF8.self)
    }
    var out: [UInt8] = []
    out.reserveCapacity(range.count)
    var i = range.lowerBound
    while i < range.upperBound {
      let b = bytes[i]
      guard b == UInt8(ascii: "&") else {
        out.append(b)
        i += 1
        continue
      }
      var end = i + 1
      while end < range.upperBound, end - i <= 32, bytes[end] != UInt8(ascii: ";") { end += 1 }
      guard end < range.upperBound, bytes[end] == UInt8(ascii: ";") else {
        throw failure("'&' not starting a reference: write &amp;", at: i)
      }
      let name = String(decoding: bytes[(i + 1)..<end], as: UTF8.self)
      switch name {
      case "lt": out.append(UInt8(ascii: "<"))
      case "gt": out.append(UInt8(ascii: ">"))
      case "amp": out.append(UInt8(ascii: "&"))
      case "apos": out.append(UInt8(ascii: "'"))
      case "quot": out.append(UInt8(ascii: "\""))
      default:
        guard name.hasPrefix("#") else {
          throw failure(
            "undefined entity &\(name);: only &lt; &gt; &amp; &apos; &quot; and character "
              + "references are decoded (DTD entities are never expanded)", at: i)
        }
        let hex = name.hasPrefix("#x")
        let digits = name.dropFirst(hex ? 2 : 1)
        guard !digits.isEmpty, digits.count <= 8, let value = UInt32(digits, radix: hex ? 16 : 10),
          let scalar = Unicode.Scalar(value), value != 0
        else {
          throw failure("invalid character reference &\(name);", at: i)
        }
        out.append(contentsOf: Array(String(Character(scalar)).utf8))
      }
      i = end + 1
    }
    return String(decoding: out, as: UTF8.self)
  }

  // MARK: - Scanning helpers

  private func byte(_ i: Int) -> UInt8? { i < bytes.count ? bytes[i] : nil }

  private func looking(at literal: StaticString) -> Bool {
    let count = literal.utf8CodeUnitCount
    guard at + count <= bytes.count else { return false }
    return literal.withUTF8Buffer { lit in
      for k in 0..<count where bytes[at + k] != lit[k] { return false }
      return true
    }
  }

  private func find(_ literal: StaticString, from start: Int) -> Int? {
    let count = literal.utf8CodeUnitCount
    return literal.withUTF8Buffer { lit -> Int? in
      var i = start
      while i + count <= bytes.count {
        if bytes[i] == lit[0] {
          var k = 1
          while k < count, bytes[i + k] == lit[k] { k += 1 }
          if k == count { return i }
        }
        i += 1
      }
      return nil
    }
  }

  @discardableResult
  private mutating func skipWhitespace() -> Bool {
    let start = at
    while let b = byte(at), b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { at += 1 }
    return at > start
  }

  private mutating func comment() throws {
    guard let end = find("-->", from: at + 4) else { throw failure("unterminated comment") }
    at = end + 3
  }

  private mutating func skipPast(_ terminator: StaticString, what: String) throws {
    guard let end = find(terminator, from: at + 2) else { throw failure("unterminated \(what)") }
    at = end + terminator.utf8CodeUnitCount
  }

  /// Rejects invalid UTF-8 (and C0 controls other than tab, LF and CR, which XML forbids).
  private func validateUTF8() throws {
    var i = 0
    while i < bytes.count {
      let b = bytes[i]
      if b < 0x80 {
        if b < 0x20, b != 0x09, b != 0x0A, b != 0x0D {
          throw failure("control byte 0x\(String(b, radix: 16)) is not allowed in XML", at: i)
        }
        i += 1
        continue
      }
      let length: Int
      var lower: UInt8 = 0x80
      var upper: UInt8 = 0xBF
      switch b {
      case 0xC2...0xDF: length = 2
      case 0xE0:
        length = 3
        lower = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED:
        length = 3
        upper = 0x9F
      case 0xF0:
        length = 4
        lower = 0x90
      case 0xF1...0xF3: length = 4
      case 0xF4:
        length = 4
        upper = 0x8F
      default: throw failure("invalid UTF-8 byte 0x\(String(b, radix: 16, uppercase: true))", at: i)
      }
      guard i + length <= bytes.count else { throw failure("truncated UTF-8 sequence", at: i) }
      for k in 1..<length {
        let c = bytes[i + k]
        let (lo, hi) = k == 1 ? (lower, upper) : (UInt8(0x80), UInt8(0xBF))
        guard c >= lo, c <= hi else { throw failure("invalid UTF-8 sequence", at: i) }
      }
      i += length
    }
  }

  private func location(_ offset: Int) -> (line: Int, column: Int) {
    // Binary search: the number of newlines before `offset`.
    var lo = 0
    var hi = newlines.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if newlines[mid] < offset { lo = mid + 1 } else { hi = mid }
    }
    let lineStart = lo == 0 ? 0 : newlines[lo - 1] + 1
    return (lo + 1, offset - lineStart + 1)
  }

  private func failure(_ reason: String, at offset: Int? = nil) -> FormatFailure {
    let (line, column) = location(min(offset ?? at, bytes.count))
    return FormatFailure(reason, line: line, column: column)
  }
}
