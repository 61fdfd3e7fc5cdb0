import DetSupport

extension SafetensorsHeader {
  /// A header entry as written, before its dtype and offsets are checked.
  struct RawTensor {
    var name: String
    var dtype: String
    var shape: [Int]
    var begin: Int
    var end: Int
  }

  /// The safetensors schema over the package's `JSONScanner`: it reads exactly the structure
  /// the format defines and nothing else, so errors can say what was expected, at which byte
  /// and JSON path. Names are decoded strictly (a lone surrogate escape is an error, not
  /// U+FFFD), since tensor names and metadata must round-trip exactly.
  struct JSONParser {
    let bytes: UnsafeRawBufferPointer
    let file: String
    var scanner: JSONScanner
    /// The JSON path of the value being read, for error messages (`$["w"].shape[1]`).
    var path = "$"

    /// `bytes` must not be empty (the caller checks the header length first).
    init(bytes: UnsafeRawBufferPointer, file: String) {
      self.bytes = bytes
      self.file = file
      let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
      self.scanner = JSONScanner(
        base: base ?? UnsafePointer(bitPattern: 1)!, count: base == nil ? 0 : bytes.count)
    }

    var position: Int {
      get { scanner.position }
      set { scanner.position = newValue }
    }

    func fail(_ expected: String) -> TensorIOError {
      let found: String
      if position < scanner.count {
        let byte = bytes[position]
        found = byte < 0x80 ? "'\(Unicode.Scalar(byte).escaped(asASCII: true))'" : "byte \(byte)"
      } else {
        found = "the end of the header"
      }
      return failure(at: position, "expected \(expected), found \(found)")
    }

    func failure(at offset: Int, _ message: String) -> TensorIOError {
      TensorIOError(
        file: file, problem: .badHeader(detail: "at header byte \(offset) (\(path)): \(message)"))
    }

    /// Runs one scanner step, turning its syntax errors into header errors at their byte.
    mutating func scan<T>(_ step: (inout JSONScanner) throws -> T) throws(TensorIOError) -> T {
      do {
        return try step(&scanner)
      } catch let error as JSONError {
        throw failure(at: error.offset, error.message)
      } catch {
        throw failure(at: position, "\(error)")
      }
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

    /// The next non-space byte, not consumed (`nil` at the end).
    mutating func peek() -> UInt8? {
      scanner.skipWhitespace()
      return position < scanner.count ? bytes[position] : nil
    }

    /// Reads `{ "key": value, ... }`, calling `member` with each key once the parser sits
    /// at its value; `member` must consume the value.
    mutating func object(
      _ what: String, member: (inout JSONParser, String) throws(TensorIOError) -> Void
    ) throws(TensorIOError) {
      guard peek() == UInt8(ascii: "{") else { throw fail(what) }
      position += 1
      let outer = path
      var first = true
      while let key = try scan({ try $0.nextKey(first: &first) }) {
        let name = try scan { try $0.strictString(key) }
        path = outer + "[\"\(name.unicodeScalars.map { $0.escaped(asASCII: true) }.joined())\"]"
        try member(&self, name)
        path = outer
      }
    }

    /// Reads `[n, n, ...]` of non-negative integers.
    mutating func integers() throws(TensorIOError) -> [Int] {
      guard peek() == UInt8(ascii: "[") else {
        throw fail("'[' opening a list of non-negative integers")
      }
      position += 1
      var values: [Int] = []
      var first = true
      while try scan({ try $0.nextElement(first: &first) }) {
        values.append(try integer())
      }
      return values
    }

    /// Reads a JSON number that must be a non-negative integer fitting in `Int`.
    mutating func integer() throws(TensorIOError) -> Int {
      guard let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
        throw fail("a non-negative integer")
      }
      let start = position
      let number = try scan { try $0.number() }
      if bytes[start..<number.end].contains(where: {
        $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e")
      }) {
        position = start
        throw fail("a non-negative integer (no fraction or exponent)")
      }
      guard let value = number.integer else {
        position = start
        throw fail("an integer below 2^63")
      }
      return Int(value)
    }

    /// Reads a JSON string (escapes decoded, raw control characters and lone surrogates
    /// refused).
    mutating func string(_ what: String) throws(TensorIOError) -> String {
      guard peek() == UInt8(ascii: "\"") else { throw fail(what) }
      let range = try scan { try $0.stringRange() }
      return try scan { try $0.strictString(range) }
    }

    /// Reads the whole header: one object of tensor entries and an optional `__metadata__`.
    mutating func header() throws(TensorIOError) -> (
      tensors: [RawTensor], metadata: [String: String]
    ) {
      guard position < scanner.count, bytes[position] == UInt8(ascii: "{") else {
        throw fail("'{' as the first header byte")
      }
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
      if peek() != nil { throw fail("only spaces after the header object") }
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
          _ = parser.peek()
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
