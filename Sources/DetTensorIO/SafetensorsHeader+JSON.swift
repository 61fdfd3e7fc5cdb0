extension SafetensorsHeader {
  /// A header entry as written, before its dtype and offsets are checked.
  struct RawTensor {
    var name: String
    var dtype: String
    var shape: [Int]
    var begin: Int
    var end: Int
  }

  /// A strict, schema-directed JSON reader for safetensors headers: it reads exactly the
  /// structure the format defines and nothing else, so errors can say what was expected.
  struct JSONParser {
    let bytes: UnsafeRawBufferPointer
    let file: String
    var position = 0
    /// The JSON path of the value being read, for error messages (`$["w"].shape[1]`).
    var path = "$"

    init(bytes: UnsafeRawBufferPointer, file: String) {
      self.bytes = bytes
      self.file = file
    }

    func fail(_ expected: String) -> TensorIOError {
      let found: String
      if position < bytes.count {
        let byte = bytes[position]
        found = byte < 0x80 ? "'\(Unicode.Scalar(byte).escaped(asASCII: true))'" : "byte \(byte)"
      } else {
        found = "the end of the header"
      }
      return TensorIOError(
        file: file,
        problem: .badHeader(
          detail: "at header byte \(position) (\(path)): expected \(expected), found \(found)"))
    }

    /// Throws at the first byte that is not valid UTF-8.
    mutating func validateUTF8() throws(TensorIOError) {
      var parser = Unicode.UTF8.ForwardParser()
      var iterator = bytes.makeIterator()
      var offset = 0
      while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid(let scalar): offset += scalar.count
        case .emptyInput: return
        case .error:
          position = offset
          throw fail("valid UTF-8")
        }
      }
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

    /// Reads `{ "key": value, ... }`, calling `member` with each key once the parser sits
    /// at its value; `member` must consume the value.
    mutating func object(
      _ what: String, member: (inout JSONParser, String) throws(TensorIOError) -> Void
    ) throws(TensorIOError) {
      try expect(UInt8(ascii: "{"), what)
      skipSpace()
      if current == UInt8(ascii: "}") {
        position += 1
        return
      }
      let outer = path
      while true {
        skipSpace()
        let key = try string("a quoted key")
        try expect(UInt8(ascii: ":"), "':' after a key")
        path = outer + "[\"\(key.unicodeScalars.map { $0.escaped(asASCII: true) }.joined())\"]"
        try member(&self, key)
        path = outer
        skipSpace()
        if current == UInt8(ascii: "}") {
          position += 1
          return
        }
        try expect(UInt8(ascii: ","), "',' or '}' in an object")
      }
    }

    /// Reads `[n, n, ...]` of non-negative integers.
    mutating func integers() throws(TensorIOError) -> [Int] {
      try expect(UInt8(ascii: "["), "'[' opening a list of non-negative integers")
      var values: [Int] = []
      skipSpace()
      if current == UInt8(ascii: "]") {
        position += 1
        return values
      }
      while true {
        values.append(try integer())
        skipSpace()
        if current == UInt8(ascii: "]") {
          position += 1
          return values
        }
        try expect(UInt8(ascii: ","), "',' or ']' in a list")
      }
    }

    /// Reads a JSON number that must be a non-negative integer fitting in `Int`.
    mutating func integer() throws(TensorIOError) -> Int {
      skipSpace()
      let start = position
      var value = 0
      while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
        if position > start && value == 0 {
          throw fail("no leading zeros in a JSON integer")
        }
        let (times10, o1) = value.multipliedReportingOverflow(by: 10)
        let (sum, o2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
        guard !o1, !o2 else {
          position = start
          throw fail("an integer below 2^63")
        }
        value = sum
        position += 1
      }
      guard position > start else { throw fail("a non-negative integer") }
      if let byte = current, byte == UInt8(ascii: ".") || byte | 0x20 == UInt8(ascii: "e") {
        throw fail("a non-negative integer (no fraction or exponent)")
      }
      return value
    }

    /// Reads a JSON string (escapes decoded, raw control characters refused).
    mutating func string(_ what: String) throws(TensorIOError) -> String {
      skipSpace()
      guard current == UInt8(ascii: "\"") else { throw fail(what) }
      position += 1
      var utf8: [UInt8] = []
      while true {
        guard let byte = current else { throw fail("a closing '\"'") }
        switch byte {
        case UInt8(ascii: "\""):
          position += 1
          return String(decoding: utf8, as: UTF8.self)
        case UInt8(ascii: "\\"):
          position += 1
          guard let escape = current else { throw fail("an escape character") }
          position += 1
          switch escape {
          case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
          case UInt8(ascii: "b"): utf8.append(0x08)
          case UInt8(ascii: "f"): utf8.append(0x0C)
          case UInt8(ascii: "n"): utf8.append(0x0A)
          case UInt8(ascii: "r"): utf8.append(0x0D)
          case UInt8(ascii: "t"): utf8.append(0x09)
          case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
              guard current == UInt8(ascii: "\\") else { throw fail("a low surrogate escape") }
              position += 1
              guard current == UInt8(ascii: "u") else { throw fail("a low surrogate escape") }
              position += 1
              let low = try hex4()
              guard (0xDC00..<0xE000).contains(low) else { throw fail("a low surrogate") }
              scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else {
              throw fail("a Unicode scalar (not a lone surrogate)")
            }
            utf8.append(contentsOf: Array(String(Character(unicode)).utf8))
          default:
            position -= 1
            throw fail("one of the escapes \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
          }
        case 0..<0x20:
          throw fail("no raw control characters in a string")
        default:
          utf8.append(byte)
          position += 1
        }
      }
    }

    private mutating func hex4() throws(TensorIOError) -> UInt32 {
      var value: UInt32 = 0
      for _ in 0..<4 {
        guard let byte = current, let digit = Self.hexValue(byte) else {
          throw fail("four hexadecimal digits after \\u")
        }
        value = value << 4 | digit
        position += 1
      }
      return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
      default: nil
      }
    }

    /// Reads the whole header: one object of tensor entries and an optional `__metadata__`.
    mutating func header() throws(TensorIOError) -> (
      tensors: [RawTensor], metadata: [String: String]
    ) {
      guard current == UInt8(ascii: "{") else { throw fail("'{' as the first header byte") }
      var tensors: [RawTensor] = []
      var metadata: [String: String]?
      var names = Set<String>()
      try object("'{'") { (parser, key) throws(TensorIOError) in
        if key == "__metadata__" {
          guard metadata == nil else {
            throw TensorIOError(file: parser.file, problem: .invalidName(key))
          }
          metadata = try parser.metadata()
        } else {
          guard names.insert(key).inserted else {
            throw TensorIOError(file: parser.file, problem: .invalidName(key))
          }
          tensors.append(try parser.tensor(named: key))
        }
      }
      skipSpace()
      guard position == bytes.count else { throw fail("only spaces after the header object") }
      return (tensors, metadata ?? [:])
    }

    private mutating func metadata() throws(TensorIOError) -> [String: String] {
      var result: [String: String] = [:]
      try object("'{' opening the __metadata__ object of strings") {
        (parser, key) throws(TensorIOError) in
        guard result[key] == nil else { throw parser.fail("no duplicate metadata keys") }
        result[key] = try parser.string("a string value (metadata maps strings to strings)")
      }
      return result
    }

    private mutating func tensor(named name: String) throws(TensorIOError) -> RawTensor {
      var dtype: String?
      var shape: [Int]?
      var offsets: [Int]?
      try object("'{' opening the tensor's dtype, shape and data_offsets") {
        (parser, key) throws(TensorIOError) in
        switch key {
        case "dtype" where dtype == nil: dtype = try parser.string("a dtype name string")
        case "shape" where shape == nil: shape = try parser.integers()
        case "data_offsets" where offsets == nil:
          let start = parser.position
          offsets = try parser.integers()
          if offsets?.count != 2 {
            parser.position = start
            throw parser.fail("[begin, end]: exactly two offsets")
          }
        default:
          throw parser.fail("only the keys dtype, shape, data_offsets, each once")
        }
      }
      guard let dtype, let shape, let offsets, offsets.count == 2 else {
        throw fail("\"dtype\", \"shape\" and \"data_offsets\" in the entry of \"\(name)\"")
      }
      return RawTensor(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }
  }
}
