/// The header dictionary of an NPY file, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
///
/// Parsing is strict about content and lenient about layout, as numpy is: exactly the keys
/// `descr`, `fortran_order` and `shape`, in any order, each once; single- or double-quoted
/// strings; any spacing; optional trailing commas; trailing spaces and newline. Shapes are
/// Python tuples of non-negative integers (`()`, `(5,)`, `(2, 3)`).
struct NPYHeader: Equatable {
  var descr: String
  var fortranOrder: Bool
  var shape: [Int]

  /// numpy leaves room after the header so a growing first axis can be rewritten in place.
  private static let growthAxisMaxDigits = 21

  /// numpy's text for this header, before padding: keys sorted, `repr` of each value, then
  /// spaces for growth of the first axis.
  ///
  /// - Complexity: O(rank).
  var text: String {
    let shapeText =
      shape.count == 1
      ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var text =
      "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), "
      + "'shape': \(shapeText), }"
    if let first = shape.first {
      text += String(repeating: " ", count: max(0, Self.growthAxisMaxDigits - String(first).count))
    }
    return text
  }

  /// Parses header text (the bytes after the length field).
  ///
  /// - Throws: `TensorIOError` `.badHeader` naming the byte offset (counted from the start of the header
  ///   text) and what was expected there.
  /// - Complexity: O(n) in the header length.
  static func parse(_ bytes: [UInt8], file: String) throws(TensorIOError) -> NPYHeader {
    var parser = Parser(bytes: bytes, file: file)
    return try parser.header()
  }

  private struct Parser {
    let bytes: [UInt8]
    let file: String
    var position = 0

    init(bytes: [UInt8], file: String) {
      self.bytes = bytes
      self.file = file
    }

    func fail(_ expected: String) -> TensorIOError {
      let found =
        position < bytes.count
        ? "'\(Unicode.Scalar(bytes[position]).escaped(asASCII: true))'" : "the end of the header"
      return TensorIOError(
        file: file,
        problem: .badHeader(
          detail: "at header byte \(position): expected \(expected), found \(found)"))
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipSpace() {
      while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
        position += 1
      }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(TensorIOError) {
      skipSpace()
      guard current == byte else { throw fail(what) }
      position += 1
    }

    /// Consumes `byte` (after spaces) if it is next.
    mutating func take(_ byte: UInt8) -> Bool {
      skipSpace()
      guard current == byte else { return false }
      position += 1
      return true
    }

    mutating func header() throws(TensorIOError) -> NPYHeader {
      try expect(UInt8(ascii: "{"), "'{' opening the header dictionary")
      var descr: String?
      var fortranOrder: Bool?
      var shape: [Int]?
      while !take(UInt8(ascii: "}")) {
        let keyStart = position
        let key = try string("a quoted key or '}'")
        try expect(UInt8(ascii: ":"), "':' after the key")
        switch key {
        case "descr" where descr == nil:
          descr = try string(
            "a quoted dtype string for 'descr' (structured dtypes are not supported)")
        case "fortran_order" where fortranOrder == nil:
          fortranOrder = try boolean()
        case "shape" where shape == nil:
          shape = try tuple()
        default:
          position = keyStart
          throw fail("one of the keys 'descr', 'fortran_order', 'shape', each once")
        }
        skipSpace()
        if current == UInt8(ascii: "}") { continue }
        try expect(UInt8(ascii: ","), "',' or '}' after a value")
      }
      skipSpace()
      guard position == bytes.count else { throw fail("only spaces and a newline after '}'") }
      guard let descr else { throw fail("the key 'descr' before the dictionary ends") }
      guard let fortranOrder else {
        throw fail("the key 'fortran_order' before the dictionary ends")
      }
      guard let shape else { throw fail("the key 'shape' before the dictionary ends") }
      return NPYHeader(descr: descr, fortranOrder: fortranOrder, shape: shape)
    }

    mutating func string(_ what: String) throws(TensorIOError) -> String {
      skipSpace()
      guard let quote = current, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
        throw fail(what)
      }
      position += 1
      let start = position
      while let byte = current, byte != quote {
        guard byte != UInt8(ascii: "\\"), byte != 0x0A else {
          throw fail("a plain string (no escapes or line breaks)")
        }
        position += 1
      }
      guard current == quote else { throw fail("a closing quote") }
      position += 1
      return String(decoding: bytes[start..<(position - 1)], as: UTF8.self)
    }

    mutating func boolean() throws(TensorIOError) -> Bool {
      skipSpace()
      for (word, value) in [("True", true), ("False", false)] {
        let utf8 = Array(word.utf8)
        if bytes[position...].starts(with: utf8) {
          position += utf8.count
          return value
        }
      }
      throw fail("True or False for 'fortran_order'")
    }

    mutating func tuple() throws(TensorIOError) -> [Int] {
      try expect(UInt8(ascii: "("), "'(' opening the shape tuple")
      var dimensions: [Int] = []
      var sawTrailingComma = false
      while !take(UInt8(ascii: ")")) {
        dimensions.append(try integer())
        sawTrailingComma = take(UInt8(ascii: ","))
        if !sawTrailingComma {
          try expect(UInt8(ascii: ")"), "',' or ')' in the shape tuple")
          break
        }
      }
      // `(5)` is the integer 5 in Python, not a tuple.
      if dimensions.count == 1 && !sawTrailingComma {
        position -= 1
        throw fail("',' after the only dimension, as in (5,)")
      }
      return dimensions
    }

    mutating func integer() throws(TensorIOError) -> Int {
      skipSpace()
      let start = position
      var value = 0
      while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
        let (times10, o1) = value.multipliedReportingOverflow(by: 10)
        let (sum, o2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
        guard !o1, !o2 else {
          position = start
          throw fail("a dimension that fits in a 64-bit integer")
        }
        value = sum
        position += 1
      }
      guard position > start else { throw fail("a non-negative integer dimension") }
      return value
    }
  }
}
