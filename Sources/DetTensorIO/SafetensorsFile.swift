import DetSupport
import Foundation

/// Reads and writes safetensors files.
///
/// Layout: an 8-byte little-endian header length `n`, `n` bytes of UTF-8 JSON header
/// (padded with spaces), then the data section, which the tensors' `data_offsets` must cover
/// exactly (no holes, no overlaps). Elements are little-endian, C order.
///
/// Supported dtypes: F16, BF16, F32, F64, I32, I64, U8, BOOL.
public enum SafetensorsFile {
  /// Reads and validates the safetensors file at `url` by memory-mapping it; tensors are
  /// views of the mapping, made when asked for.
  ///
  /// - Throws: `TensorIOError` naming the file and the problem: `.io`, `.truncated`,
  ///   `.absurdHeaderLength` (over 100 MB), `.badHeader` (not UTF-8, not the JSON schema, with
  ///   byte offset and JSON path), `.invalidName` (duplicate), `.unknownDType`,
  ///   `.shapeOverflow`, `.offsetsOutsideData`, `.sizeMismatch`, `.overlap`,
  ///   `.uncoveredBytes`.
  /// - Complexity: O(header) — the data is not touched.
  public static func read(contentsOf url: URL) throws(TensorIOError) -> SafetensorsArchive {
    let name = url.lastPathComponent
    switch try MappedFile.open(path: url.path, displayName: name) {
    case .mapped(let file):
      let (header, dataStart) = try parse(file.bytes, file: name)
      return SafetensorsArchive(
        header: header, backing: .mapped(file), dataStart: dataStart, file: name)
    case .read(let bytes):
      return try decode(bytes, name: name)
    }
  }

  /// Decodes a safetensors file held in memory (the bytes are copied once; tensors are
  /// copied out when asked for).
  ///
  /// - Parameters:
  ///   - data: the whole file.
  ///   - name: what errors call the file.
  /// - Throws: `TensorIOError` as ``read(contentsOf:)``.
  /// - Complexity: O(n).
  public static func decode(_ data: Data, name: String) throws(TensorIOError) -> SafetensorsArchive
  {
    try decode([UInt8](data), name: name)
  }

  private static func decode(_ bytes: [UInt8], name: String) throws(TensorIOError)
    -> SafetensorsArchive
  {
    let (header, dataStart) = try bytes.withUnsafeBytes { raw in
      Result { () throws(TensorIOError) in try parse(raw, file: name) }
    }.get()
    return SafetensorsArchive(
      header: header, backing: .owned(bytes), dataStart: dataStart, file: name)
  }

  /// The file the reference `safetensors` writer produces for `tensors`, byte for byte:
  /// tensors ordered by decreasing dtype alignment (I64, F64, F32, I32, BF16, F16, U8, BOOL)
  /// then by name (bytewise UTF-8), compact JSON header with `__metadata__` first (its keys
  /// sorted; omitted when `metadata` is empty), padded with spaces to a multiple of 8 bytes,
  /// so every tensor's data is aligned to its element size.
  ///
  /// - Throws: `TensorIOError` `.invalidName` if a name repeats or is `__metadata__`.
  /// - Complexity: O(n + k log k) for n data bytes and k tensors.
  public static func encode(
    _ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]
  ) throws(TensorIOError) -> Data {
    let (header, ordered) = try layout(tensors, metadata: metadata, file: "safetensors data")
    var data = Data(capacity: 8 + header.count + ordered.reduce(0) { $0 + $1.byteCount })
    data.append(contentsOf: lengthField(header.count))
    data.append(contentsOf: header)
    for tensor in ordered { tensor.withUnsafeBytes { data.append(contentsOf: $0) } }
    return data
  }

  /// Writes `tensors` to `url` as ``encode(_:metadata:)`` does, atomically (a temporary file
  /// renamed into place), without building the file in memory. `url` names a file in a
  /// writable directory; for standard output use ``encode(_:metadata:)``.
  ///
  /// - Throws: `TensorIOError` `.invalidName`, or `.io` if writing fails.
  /// - Complexity: O(n + k log k).
  public static func write(
    _ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to url: URL
  ) throws(TensorIOError) {
    let (header, ordered) = try layout(tensors, metadata: metadata, file: url.lastPathComponent)
    let prefix = lengthField(header.count) + header
    try OutputFile.write(to: url) { (emit) throws(TensorIOError) in
      try prefix.withUnsafeBytes { bytes in Result { () throws(TensorIOError) in try emit(bytes) } }
        .get()
      for tensor in ordered {
        try tensor.withUnsafeBytes { bytes in Result { () throws(TensorIOError) in try emit(bytes) }
        }
        .get()
      }
    }
  }

  private static func lengthField(_ length: Int) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: UInt64(length) >> (8 * $0)) }
  }

  /// The header bytes and the tensors in write order.
  private static func layout(
    _ tensors: [(name: String, tensor: Tensor)], metadata: [String: String], file: String
  ) throws(TensorIOError) -> ([UInt8], [Tensor]) {
    var seen = Set<String>()
    for (name, _) in tensors {
      guard name != "__metadata__", seen.insert(name).inserted else {
        throw TensorIOError(file: file, problem: .invalidName(name))
      }
    }
    let ordered = tensors.sorted { a, b in
      let (ra, rb) = (a.tensor.dtype.safetensorsWriteRank, b.tensor.dtype.safetensorsWriteRank)
      return ra != rb ? ra > rb : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
    }
    var offset = 0
    let entries = ordered.map { item in
      defer { offset += item.tensor.byteCount }
      return (
        name: item.name, dtype: item.tensor.dtype, shape: item.tensor.shape, begin: offset,
        end: offset + item.tensor.byteCount
      )
    }
    return (SafetensorsHeader.serialize(entries, metadata: metadata), ordered.map(\.tensor))
  }

  /// Validates the length field and header of a safetensors file of `bytes`.
  ///
  /// - Returns: the validated header and the offset of the data section.
  /// - Complexity: O(header length).
  static func parse(_ bytes: UnsafeRawBufferPointer, file: String) throws(TensorIOError)
    -> (SafetensorsHeader, Int)
  {
    let size = bytes.count
    guard size >= 8 else {
      throw TensorIOError(
        file: file, problem: .truncated(at: size, needed: 8, what: "the header length field"))
    }
    var length: UInt64 = 0
    for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    guard length <= UInt64(SafetensorsHeader.maximumLength) else {
      throw TensorIOError(
        file: file,
        problem: .absurdHeaderLength(
          length: length, limit: SafetensorsHeader.maximumLength))
    }
    let dataStart = 8 + Int(length)
    guard dataStart <= size else {
      throw TensorIOError(
        file: file, problem: .truncated(at: size, needed: dataStart, what: "the header"))
    }
    let header = try SafetensorsHeader.parse(
      UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]), dataLength: size - dataStart,
      file: file)
    return (header, dataStart)
  }
}
