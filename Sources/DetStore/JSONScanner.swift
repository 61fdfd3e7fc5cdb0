#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A JSON syntax or type problem at a byte offset of the input.
struct JSONError: Error {
  var offset: Int
  var message: String
}

/// A JSON number as scanned: its value, and its exact integer when it is one.
struct JSONNumber {
  var value: Double
  /// The integer when the text has no fraction or exponent and fits in `Int64`.
  var integer: Int64?
  /// Byte range of the number's text.
  var start: Int
  var end: Int
}

/// A pull tokenizer over UTF-8 JSON bytes (RFC 8259), for streaming importers.
///
/// It never builds a document tree: callers walk objects with `nextKey`, arrays with
/// `nextElement`, read the scalars they need and `skipValue()` (validating) the rest.
/// Strings are returned as byte ranges; only `string(_:)` allocates. Nesting is limited to
/// `maxDepth`, so hostile input cannot exhaust the stack (skipping is iterative anyway).
struct JSONScanner {
  let base: UnsafePointer<UInt8>
  let count: Int
  var position = 0
  static let maxDepth = 512

  init(base: UnsafePointer<UInt8>, count: Int) {
    self.base = base
    self.count = count
  }

  // MARK: Structure

  @inline(__always)
  mutating func skipWhitespace() {
    while position < count {
      let byte = base[position]
      guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
      position += 1
    }
  }

  /// The next non-whitespace byte, not consumed.
  @inline(__always)
  mutating func peek() throws -> UInt8 {
    skipWhitespace()
    guard position < count else {
      throw JSONError(offset: position, message: "unexpected end of file")
    }
    return base[position]
  }

  mutating func expect(_ byte: UInt8) throws {
    let found = try peek()
    guard found == byte else {
      throw JSONError(
        offset: position,
        message: "expected '\(Character(Unicode.Scalar(byte)))', found \(describe(found))")
    }
    position += 1
  }

  /// After `{`: the next key's byte range (quotes excluded) with the `:` consumed, or `nil`
  /// at the closing `}`. `first` must start `true` for each object.
  mutating func nextKey(first: inout Bool) throws -> Range<Int>? {
    guard let byte = try nextMember(closedBy: UInt8(ascii: "}"), in: "object", first: &first) else {
      return nil
    }
    guard byte == UInt8(ascii: "\"") else {
      throw JSONError(offset: position, message: "expected a string key, found \(describe(byte))")
    }
    let key = try stringRange()
    try expect(UInt8(ascii: ":"))
    return key
  }

  /// After `[`: `true` when another element follows (its separator consumed), `false` at `]`.
  mutating func nextElement(first: inout Bool) throws -> Bool {
    try nextMember(closedBy: UInt8(ascii: "]"), in: "array", first: &first) != nil
  }

  /// The step objects and arrays share: `nil` at `close` (consumed); otherwise, after the
  /// first member, the `,` (consumed), and the byte that starts the next member.
  @inline(__always)
  private mutating func nextMember(closedBy close: UInt8, in container: String, first: inout Bool)
    throws -> UInt8?
  {
    var byte = try peek()
    if byte == close {
      position += 1
      return nil
    }
    if !first {
      guard byte == UInt8(ascii: ",") else {
        throw JSONError(
          offset: position,
          message:
            "expected ',' or '\(Character(Unicode.Scalar(close)))' in \(container), found \(describe(byte))"
        )
      }
      position += 1
      byte = try peek()
    }
    first = false
    return byte
  }

  // MARK: Strings

  /// Scans a string starting at `"`; returns its content range (quotes excluded).
  /// Validates escapes and rejects raw control characters.
  mutating func stringRange() throws -> Range<Int> {
    guard try peek() == UInt8(ascii: "\"") else {
      throw JSONError(
        offset: position, message: "expected a string, found \(describe(base[position]))")
    }
    position += 1
    let start = position
    while position < count {
      let byte = base[position]
      if byte == UInt8(ascii: "\"") {
        position += 1
        return start..<(position - 1)
      }
      if byte == UInt8(ascii: "\\") {
        position += 1
        guard position < count else { break }
        switch base[position] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
          UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
          position += 1
        case UInt8(ascii: "u"):
          guard position + 4 < count, (1...4).allSatisfy({ hexValue(base[position + $0]) != nil })
          else {
            throw JSONError(offset: position - 1, message: "invalid \\u escape in string")
          }
          position += 5
        default:
          throw JSONError(
            offset: position - 1, message: "invalid escape \\\(describe(base[position])) in string")
        }
        continue
      }
      if byte < 0x20 {
        throw JSONError(offset: position, message: "control character \(describe(byte)) in string")
      }
      position += 1
    }
    throw JSONError(offset: start - 1, message: "unterminated string")
  }

  /// The decoded text of a string range from `stringRange()` (escapes resolved; invalid
  /// UTF-8, lone surrogates and escapes cut short by the end of `range` become U+FFFD).
  /// Reads no byte outside `range`, whatever range it is given.
  func string(_ range: Range<Int>) -> String {
    let raw = UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)
    guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
    var scalars = String.UnicodeScalarView()
    var bytes: [UInt8] = []
    func flush() {
      scalars.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars)
      bytes.removeAll(keepingCapacity: true)
    }
    var i = range.lowerBound
    while i < range.upperBound {
      let byte = base[i]
      guard byte == UInt8(ascii: "\\") else {
        bytes.append(byte)
        i += 1
        continue
      }
      guard i + 1 < range.upperBound else {  // a lone final backslash
        flush()
        scalars.append("\u{FFFD}")
        break
      }
      let kind = base[i + 1]
      i += 2
      switch kind {
      case UInt8(ascii: "b"): bytes.append(0x08)
      case UInt8(ascii: "f"): bytes.append(0x0C)
      case UInt8(ascii: "n"): bytes.append(0x0A)
      case UInt8(ascii: "r"): bytes.append(0x0D)
      case UInt8(ascii: "t"): bytes.append(0x09)
      case UInt8(ascii: "u"):
        // A `\uXXXX` needs 4 hex digits inside the range, a low surrogate 6 more bytes;
        // ranges from `stringRange()` always have them, shorter ones must not read past.
        guard i + 4 <= range.upperBound else {
          i = range.upperBound
          flush()
          scalars.append("\u{FFFD}")
          continue
        }
        var unit = hex4(at: i)
        i += 4
        if (0xD800..<0xDC00).contains(unit), i + 6 <= range.upperBound,
          base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u")
        {
          let low = hex4(at: i + 2)
          if (0xDC00..<0xE000).contains(low) {
            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            i += 6
          }
        }
        flush()
        scalars.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
      default: bytes.append(kind)
      }
    }
    flush()
    return String(scalars)
  }

  /// Whether the raw bytes of `range` are exactly `literal` (keys never need unescaping to
  /// match the ASCII names importers look for).
  @inline(__always)
  func bytes(_ range: Range<Int>, equal literal: StaticString) -> Bool {
    range.count == literal.utf8CodeUnitCount
      && memcmp(base + range.lowerBound, literal.utf8Start, range.count) == 0
  }

  private func hex4(at i: Int) -> UInt32 {
    (0..<4).reduce(0) { $0 << 4 | UInt32(hexValue(base[i + $1]) ?? 0) }
  }

  // MARK: Numbers

  /// Scans a number with RFC 8259 grammar `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
  ///
  /// Correctly rounded: up to 15 significant digits and a power of ten within 1e±22 take
  /// the exact fast path `m * 10^e` / `m / 10^e` (Clinger); anything else goes to `strtod`.
  /// Values beyond the Double range become ±infinity (callers reject them as non-finite).
  mutating func number() throws -> JSONNumber {
    skipWhitespace()
    let start = position
    var negative = false
    if position < count, base[position] == UInt8(ascii: "-") {
      negative = true
      position += 1
    }
    var mantissa: UInt64 = 0
    var significant = 0
    var dropped = false
    var exponent = 0
    let intStart = position
    while position < count, base[position] &- 0x30 < 10 {
      let digit = UInt64(base[position] &- 0x30)
      if significant < 19 {
        if mantissa != 0 || digit != 0 {
          mantissa = mantissa &* 10 &+ digit
          significant += 1
        }
      } else {
        exponent += 1
        if digit != 0 { dropped = true }
      }
      position += 1
    }
    let intDigits = position - intStart
    guard intDigits > 0 else {
      throw JSONError(
        offset: start,
        message: position < count
          ? "expected a number, found \(describe(base[position]))" : "unexpected end of file")
    }
    if intDigits > 1, base[intStart] == UInt8(ascii: "0") {
      throw JSONError(offset: start, message: "number with a leading zero")
    }
    var isInteger = true
    if position < count, base[position] == UInt8(ascii: ".") {
      isInteger = false
      position += 1
      let fracStart = position
      while position < count, base[position] &- 0x30 < 10 {
        let digit = UInt64(base[position] &- 0x30)
        if significant < 19 {
          if mantissa != 0 || digit != 0 {
            mantissa = mantissa &* 10 &+ digit
            significant += 1
          }
          exponent -= 1
        } else if digit != 0 {
          dropped = true
        }
        position += 1
      }
      guard position > fracStart else {
        throw JSONError(offset: position, message: "expected digits after the decimal point")
      }
    }
    if position < count, base[position] | 0x20 == UInt8(ascii: "e") {
      isInteger = false
      position += 1
      var expNegative = false
      if position < count,
        base[position] == UInt8(ascii: "-") || base[position] == UInt8(ascii: "+")
      {
        expNegative = base[position] == UInt8(ascii: "-")
        position += 1
      }
      let expStart = position
      var value = 0
      while position < count, base[position] &- 0x30 < 10 {
        if value < 100_000 { value = value * 10 + Int(base[position] &- 0x30) }
        position += 1
      }
      guard position > expStart else {
        throw JSONError(offset: position, message: "expected digits in the exponent")
      }
      exponent += expNegative ? -value : value
    }
    var value: Double
    if !dropped, significant <= 15, exponent >= -22, exponent <= 22 {
      value = Double(mantissa)
      if exponent < 0 {
        value /= powersOfTen[-exponent]
      } else {
        value *= powersOfTen[exponent]
      }
      if negative { value = -value }
    } else if mantissa == 0 && !dropped {
      value = negative ? -0.0 : 0
    } else {
      value = slowDouble(start..<position)
    }
    var integer: Int64? = nil
    if isInteger, !dropped, exponent == 0 {
      if negative {
        if mantissa <= UInt64(Int64.max) { integer = -Int64(mantissa) }
      } else if mantissa <= UInt64(Int64.max) {
        integer = Int64(mantissa)
      }
    }
    return JSONNumber(value: value, integer: integer, start: start, end: position)
  }

  /// Consumes a number, checking the same grammar as `number()` without converting it.
  mutating func skipNumber() throws {
    let start = position
    if position < count, base[position] == UInt8(ascii: "-") { position += 1 }
    let intStart = position
    while position < count, base[position] &- 0x30 < 10 { position += 1 }
    guard position > intStart else {
      throw JSONError(
        offset: start,
        message: position < count
          ? "expected a number, found \(describe(base[position]))" : "unexpected end of file")
    }
    if position - intStart > 1, base[intStart] == UInt8(ascii: "0") {
      throw JSONError(offset: start, message: "number with a leading zero")
    }
    if position < count, base[position] == UInt8(ascii: ".") {
      position += 1
      let fracStart = position
      while position < count, base[position] &- 0x30 < 10 { position += 1 }
      guard position > fracStart else {
        throw JSONError(offset: position, message: "expected digits after the decimal point")
      }
    }
    if position < count, base[position] | 0x20 == UInt8(ascii: "e") {
      position += 1
      if position < count,
        base[position] == UInt8(ascii: "-") || base[position] == UInt8(ascii: "+")
      {
        position += 1
      }
      let expStart = position
      while position < count, base[position] &- 0x30 < 10 { position += 1 }
      guard position > expStart else {
        throw JSONError(offset: position, message: "expected digits in the exponent")
      }
    }
  }

  private func slowDouble(_ range: Range<Int>) -> Double {
    var text = [CChar](repeating: 0, count: range.count + 1)
    for i in 0..<range.count { text[i] = CChar(bitPattern: base[range.lowerBound + i]) }
    return strtod(text, nil)
  }

  // MARK: Literals and skipping

  /// Consumes `true`, `false` or `null`; returns the byte it began with.
  mutating func literal() throws -> UInt8 {
    let byte = try peek()
    let word: StaticString
    switch byte {
    case UInt8(ascii: "t"): word = "true"
    case UInt8(ascii: "f"): word = "false"
    case UInt8(ascii: "n"): word = "null"
    default: throw JSONError(offset: position, message: "unexpected \(describe(byte))")
    }
    guard position + word.utf8CodeUnitCount <= count,
      memcmp(base + position, word.utf8Start, word.utf8CodeUnitCount) == 0
    else {
      throw JSONError(offset: position, message: "invalid literal (expected \(word))")
    }
    position += word.utf8CodeUnitCount
    return byte
  }

  /// Consumes one complete value of any type, validating it; returns its byte range.
  /// Iterative, with nesting limited to `maxDepth`.
  @discardableResult
  mutating func skipValue() throws -> Range<Int> {
    skipWhitespace()
    let start = position
    // Bit i of `kinds` (i < 64) or the overflow array: 1 = object, 0 = array.
    var stack: [Bool] = []
    var needValue = true
    while true {
      if needValue {
        let byte = try peek()
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
          guard stack.count < JSONScanner.maxDepth else {
            throw JSONError(
              offset: position, message: "nesting deeper than \(JSONScanner.maxDepth) levels")
          }
          position += 1
          let isObject = byte == UInt8(ascii: "{")
          let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
          if try peek() == close {
            position += 1
            needValue = false
          } else {
            stack.append(isObject)
            if isObject {
              _ = try stringRange()
              try expect(UInt8(ascii: ":"))
            }
            continue
          }
        case UInt8(ascii: "\""): _ = try stringRange()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
        default: _ = try literal()
        }
        needValue = false
      }
      guard let isObject = stack.last else { return start..<position }
      let byte = try peek()
      if byte == UInt8(ascii: ",") {
        position += 1
        if isObject {
          _ = try stringRange()
          try expect(UInt8(ascii: ":"))
        }
        needValue = true
      } else if byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
        position += 1
        stack.removeLast()
      } else {
        throw JSONError(
          offset: position,
          message: "expected ',' or '\(isObject ? "}" : "]")', found \(describe(byte))")
      }
    }
  }

  /// After the top-level value: only whitespace may remain.
  mutating func expectEnd() throws {
    skipWhitespace()
    guard position == count else {
      throw JSONError(
        offset: position,
        message: "unexpected \(describe(base[position])) after the top-level value")
    }
  }

  // MARK: Diagnostics

  /// A byte for a message: printable ASCII quoted, anything else in hex.
  func describe(_ byte: UInt8) -> String {
    (0x20..<0x7F).contains(byte)
      ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
  }

  /// The 1-based line and byte column of `offset`.
  func lineAndColumn(of offset: Int) -> (line: Int, column: Int) {
    var line = 1
    var lineStart = 0
    let end = min(offset, count)
    var i = 0
    while i < end {
      if base[i] == 0x0A {
        line += 1
        lineStart = i + 1
      }
      i += 1
    }
    return (line, end - lineStart + 1)
  }
}

private func hexValue(_ byte: UInt8) -> UInt8? {
  switch byte {
  case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
  case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
  case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
  default: return nil
  }
}

/// 10^0 ... 10^22, all exact in Double.
private let powersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { acc, _ in acc * 10 } }
