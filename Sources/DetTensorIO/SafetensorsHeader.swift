/// The JSON header of a safetensors file:
/// `{"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3],
/// "data_offsets": [begin, end]}, ...}`, offsets relative to the data section.
///
/// The parser accepts exactly that schema (RFC 8259 JSON, no duplicate keys, no other keys,
/// offsets and dimensions as non-negative integers) and reports the byte offset and JSON path
/// of the first thing that is wrong.
struct SafetensorsHeader {
  /// One tensor's header entry.
  struct Entry {
    var name: String
    var dtype: DType
    var shape: [Int]
    var count: Int
    var begin: Int
    var end: Int
  }

  /// The tensors in header order.
  var entries: [Entry]
  /// The `__metadata__` strings (empty when absent).
  var metadata: [String: String]

  /// The reference implementation's limit on the header length (100 MB).
  static let maximumLength = 100_000_000

  /// Parses and validates `bytes` (the header text) against a data section of `dataLength`
  /// bytes: dtypes known, shapes not overflowing, each range `[begin, end)` inside the data
  /// with `end - begin == count x dtype size`, and the ranges tiling the data section with no
  /// overlap and no hole (the format's rule: the buffer is entirely indexed).
  ///
  /// - Returns: the header with entries sorted by offset (ties in header order).
  /// - Complexity: O(n log n) in the header length.
  static func parse(_ bytes: UnsafeRawBufferPointer, dataLength: Int, file: String)
    throws(TensorIOError) -> SafetensorsHeader
  {
    func error(_ problem: TensorIOError.Problem) -> TensorIOError {
      TensorIOError(file: file, problem: problem)
    }
    var parser = JSONParser(bytes: bytes, file: file)
    try parser.validateUTF8()
    let raw = try parser.header()
    var entries: [Entry] = []
    entries.reserveCapacity(raw.tensors.count)
    for tensor in raw.tensors {
      guard let dtype = DType(safetensorsName: tensor.dtype) else {
        throw error(.unknownDType(tensor.dtype, tensor: tensor.name))
      }
      guard let count = Tensor.elementCount(of: tensor.shape, elementSize: dtype.size) else {
        throw error(.shapeOverflow(tensor: tensor.name, shape: tensor.shape))
      }
      guard tensor.begin <= tensor.end, tensor.end <= dataLength else {
        throw error(
          .offsetsOutsideData(
            tensor: tensor.name, begin: tensor.begin, end: tensor.end, dataLength: dataLength))
      }
      guard tensor.end - tensor.begin == count * dtype.size else {
        throw error(
          .sizeMismatch(
            tensor: tensor.name, expected: count * dtype.size, actual: tensor.end - tensor.begin))
      }
      entries.append(
        Entry(
          name: tensor.name, dtype: dtype, shape: tensor.shape, count: count, begin: tensor.begin,
          end: tensor.end))
    }
    let order = entries.indices.sorted {
      (entries[$0].begin, entries[$0].end, $0) < (entries[$1].begin, entries[$1].end, $1)
    }
    entries = order.map { entries[$0] }
    var covered = 0
    for (i, entry) in entries.enumerated() {
      if entry.begin > covered { throw error(.uncoveredBytes(begin: covered, end: entry.begin)) }
      if entry.begin < covered {
        let other = entries[..<i].last { $0.end > entry.begin } ?? entries[i - 1]
        throw error(.overlap(tensor: entry.name, other: other.name))
      }
      covered = entry.end
    }
    if covered < dataLength { throw error(.uncoveredBytes(begin: covered, end: dataLength)) }
    return SafetensorsHeader(entries: entries, metadata: raw.metadata)
  }

  /// The header the reference writer produces for tensors already in write order, padded
  /// with spaces to a multiple of 8 bytes: compact JSON, `__metadata__` first (keys sorted;
  /// omitted when empty), then each tensor's `dtype`, `shape`, `data_offsets`.
  ///
  /// - Complexity: O(total length of names and metadata + total rank).
  static func serialize(
    _ tensors: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)],
    metadata: [String: String]
  ) -> [UInt8] {
    var out: [UInt8] = [UInt8(ascii: "{")]
    var first = true
    func separator() {
      if !first { out.append(UInt8(ascii: ",")) }
      first = false
    }
    if !metadata.isEmpty {
      separator()
      appendJSONString("__metadata__", to: &out)
      out.append(contentsOf: Array(":{".utf8))
      for (i, key) in metadata.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        .enumerated()
      {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        appendJSONString(key, to: &out)
        out.append(UInt8(ascii: ":"))
        appendJSONString(metadata[key] ?? "", to: &out)
      }
      out.append(UInt8(ascii: "}"))
    }
    for tensor in tensors {
      separator()
      appendJSONString(tensor.name, to: &out)
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      out.append(
        contentsOf: Array(
          ":{\"dtype\":\"\(tensor.dtype.safetensorsName)\",\"shape\":[\(shape)],\"data_offsets\":[\(tensor.begin),\(tensor.end)]}"
            .utf8))
    }
    out.append(UInt8(ascii: "}"))
    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - out.count % 8) % 8))
    return out
  }

  /// Appends `string` as a JSON string the way serde_json writes it: `"` and `\` escaped,
  /// control characters as `\b \t \n \f \r` or `\u00xx`, everything else (including
  /// non-ASCII) as raw UTF-8.
  private static func appendJSONString(_ string: String, to out: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    out.append(UInt8(ascii: "\""))
    for byte in string.utf8 {
      switch byte {
      case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
      case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
      case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
      case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
      case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
      case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
      case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
      case 0..<0x20:
        out.append(contentsOf: Array("\\u00".utf8))
        out.append(contentsOf: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
      default: out.append(byte)
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}
