import Foundation

/// A parsed JSON value for comparing documents: objects compare as unordered maps, numbers
/// by their `Double` value (`1` equals `1.0`), so two files are "equal as JSON" when their
/// values are. A test helper, independent of the importer's scanner.
indirect enum JSONValue: Equatable, CustomStringConvertible {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  struct ParseError: Error, CustomStringConvertible {
    var offset: Int
    var message: String
    var description: String { "JSON error at byte \(offset): \(message)" }
  }

  /// Parses a whole document (RFC 8259; duplicate keys: the last wins).
  static func parse(_ data: Data) throws -> JSONValue {
    var parser = Parser(bytes: [UInt8](data))
    let value = try parser.value()
    parser.skipSpace()
    guard parser.index == parser.bytes.count else { throw parser.error("trailing characters") }
    return value
  }

  static func parse(contentsOf url: URL) throws -> JSONValue {
    try parse(try Data(contentsOf: url))
  }

  /// The first place where `self` and `other` differ, as a path and both values; `nil`
  /// when equal.
  func firstDifference(from other: JSONValue, path: String = "$") -> String? {
    switch (self, other) {
    case (.object(let a), .object(let b)):
      for key in Set(a.keys).union(b.keys).sorted() {
        guard let x = a[key] else { return "\(path).\(key): missing on the left" }
        guard let y = b[key] else { return "\(path).\(key): missing on the right" }
        if let difference = x.firstDifference(from: y, path: "\(path).\(key)") {
          return difference
        }
      }
      return nil
    case (.array(let a), .array(let b)):
      guard a.count == b.count else { return "\(path): \(a.count) vs \(b.count) elements" }
      for (i, (x, y)) in zip(a, b).enumerated() {
        if let difference = x.firstDifference(from: y, path: "\(path)[\(i)]") { return difference }
      }
      return nil
    default:
      return self == other ? nil : "\(path): \(self) vs \(other)"
    }
  }

  var description: String {
    switch self {
    case .null: return "null"
    case .bool(let value): return String(value)
    case .number(let value): return String(value)
    case .string(let value): return "\"\(value)\""
    case .array(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
    case .object(let members):
      return "{"
        + members.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }
        .joined(separator: ", ") + "}"
    }
  }

  private struct Parser {
    let bytes: [UInt8]
    var index = 0

    func error(_ message: String) -> ParseError { ParseError(offset: index, message: message) }

    mutating func skipSpace() {
      while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    mutating func value() throws -> JSONValue {
      skipSpace()
      guard index < bytes.count else { throw error("unexpected end") }
      switch bytes[index] {
      case UInt8(ascii: "{"):
        index += 1
        var members: [String: JSONValue] = [:]
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
          index += 1
          return .object(members)
        }
        while true {
          skipSpace()
          let key = try string()
          skipSpace()
          try expect(UInt8(ascii: ":"))
          members[key] = try value()
          skipSpace()
          if try next(closing: UInt8(ascii: "}")) { return .object(members) }
        }
      case UInt8(ascii: "["):
        index += 1
        var values: [JSONValue] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
          index += 1
          return .array(values)
        }
        while true {
          values.append(try value())
          skipSpace()
          if try next(closing: UInt8(ascii: "]")) { return .array(values) }
        }
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"): return try literal("true", .bool(true))
      case UInt8(ascii: "f"): return try literal("false", .bool(false))
      case UInt8(ascii: "n"): return try literal("null", .null)
      default:
        let start = index
        while index < bytes.count, "+-.eE0123456789".utf8.contains(bytes[index]) { index += 1 }
        guard let number = Double(String(decoding: bytes[start..<index], as: UTF8.self)) else {
          throw error("bad number")
        }
        return .number(number)
      }
    }

    mutating func expect(_ byte: UInt8) throws {
      guard index < bytes.count, bytes[index] == byte else { throw error("expected \(byte)") }
      index += 1
    }

    /// After a member: `true` at the closing byte, `false` after a comma.
    mutating func next(closing: UInt8) throws -> Bool {
      guard index < bytes.count else { throw error("unexpected end") }
      let byte = bytes[index]
      index += 1
      if byte == closing { return true }
      guard byte == UInt8(ascii: ",") else { throw error("expected , or closing") }
      return false
    }

    mutating func literal(_ word: String, _ value: JSONValue) throws -> JSONValue {
      let end = index + word.utf8.count
      guard end <= bytes.count, Array(bytes[index..<end]) == Array(word.utf8) else {
        throw error("bad literal")
      }
      index = end
      return value
    }

    mutating func string() throws -> String {
      try expect(UInt8(ascii: "\""))
      var units: [UInt16] = []
      var raw: [UInt8] = []
      func flush() {
        units.append(contentsOf: String(decoding: raw, as: UTF8.self).utf16)
        raw.removeAll()
      }
      while index < bytes.count {
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: "\"") {
          flush()
          return String(decoding: units, as: UTF16.self)
        }
        guard byte == UInt8(ascii: "\\") else {
          raw.append(byte)
          continue
        }
        guard index < bytes.count else { break }
        let kind = bytes[index]
        index += 1
        switch kind {
        case UInt8(ascii: "n"): raw.append(0x0A)
        case UInt8(ascii: "t"): raw.append(0x09)
        case UInt8(ascii: "r"): raw.append(0x0D)
        case UInt8(ascii: "b"): raw.append(0x08)
        case UInt8(ascii: "f"): raw.append(0x0C)
        case UInt8(ascii: "u"):
          guard index + 4 <= bytes.count,
            let unit = UInt16(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
          else { throw error("bad \\u escape") }
          index += 4
          flush()
          units.append(unit)
        default: raw.append(kind)
        }
      }
      throw error("unterminated string")
    }
  }
}
