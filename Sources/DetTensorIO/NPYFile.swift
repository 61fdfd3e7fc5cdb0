import DetSupport
import Foundation

/// Reads and writes NumPy `.npy` files (format versions 1.0, 2.0, 3.0).
///
/// Layout: the magic `\x93NUMPY`, major and minor version bytes, the header length
/// (little-endian `UInt16` in 1.0, `UInt32` in 2.0 / 3.0), the header dictionary text
/// (ASCII; UTF-8 in 3.0) padded with spaces and a newline, then the elements in C order.
///
/// Supported dtypes: `f2 f4 f8 i4 i8 u1 b1`, little- or big-endian (big-endian data is
/// converted to little-endian on read). Fortran-order arrays are rejected.
public enum NPYFile {
  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
  /// numpy aligns the start of the data to this many bytes.
  static let alignment = 64
  /// The largest header detkit reads. numpy's own `np.load` refuses more than 10,000 bytes
  /// by default; a header for the dtypes here is under 200.
  public static let maximumHeaderLength = 1 << 20

  /// Where the parts of an NPY file are.
  struct Layout {
    var dtype: DType
    var bigEndian: Bool
    var shape: [Int]
    var count: Int
    var dataOffset: Int
  }

  /// Reads the NPY file at `url` by memory-mapping it: a little-endian tensor is a view of the
  /// mapping (the file's pages load on first access), nothing is copied.
  ///
  /// - Throws: `TensorIOError` naming the file and the problem: `.io`, `.wrongMagic`,
  ///   `.unsupportedVersion`, `.truncated`, `.absurdHeaderLength`, `.badHeader`,
  ///   `.unknownDType`, `.fortranOrder`, `.shapeOverflow`, `.sizeMismatch` (trailing bytes).
  /// - Complexity: O(header) for little-endian data; O(n) for big-endian or misaligned data,
  ///   which is converted into owned storage.
  public static func read(contentsOf url: URL) throws(TensorIOError) -> Tensor {
    let name = url.lastPathComponent
    switch try MappedFile.open(path: url.path, displayName: name) {
    case .mapped(let file):
      let layout = try parse(file.bytes, file: name)
      if !layout.bigEndian && layout.dataOffset % layout.dtype.size == 0 {
        return Tensor(
          dtype: layout.dtype, shape: layout.shape, count: layout.count,
          storage: .mapped(file, offset: layout.dataOffset), source: name)
      }
      return tensor(copying: file.bytes, layout, name)
    case .read(let bytes):
      return try bytes.withUnsafeBytes { raw in
        Result { () throws(TensorIOError) in tensor(copying: raw, try parse(raw, file: name), name)
        }
      }.get()
    }
  }

  /// Decodes an NPY file held in memory; the elements are copied.
  ///
  /// - Parameters:
  ///   - data: the whole file.
  ///   - name: what errors call the file (e.g. its path, or `"<stdin>"`).
  /// - Throws: `TensorIOError` as ``read(contentsOf:)``.
  /// - Complexity: O(n).
  public static func decode(_ data: Data, name: String) throws(TensorIOError) -> Tensor {
    try data.withUnsafeBytes { raw in
      Result { () throws(TensorIOError) in tensor(copying: raw, try parse(raw, file: name), name) }
    }.get()
  }

  /// The NPY file numpy's `np.save` writes for `tensor`, byte for byte: version 1.0 unless
  /// the header is longer than 65,535 bytes (then 2.0), the data 64-byte aligned.
  ///
  /// - Throws: `TensorIOError` `.unsupportedInFormat` for a bfloat16 tensor (NPY has no
  ///   bfloat16).
  /// - Complexity: O(n).
  public static func encode(_ tensor: Tensor) throws(TensorIOError) -> Data {
    var data = try header(for: tensor, file: tensor.source)
    tensor.withUnsafeBytes { data.append(contentsOf: $0) }
    return data
  }

  /// Writes `tensor` to `url` as ``encode(_:)`` does, atomically (a temporary file renamed
  /// into place), without building the file in memory. `url` names a file in a writable
  /// directory; to write to standard output, send ``encode(_:)``'s bytes there instead.
  ///
  /// - Throws: `TensorIOError` `.unsupportedInFormat` for bfloat16, `.io` if writing fails.
  /// - Complexity: O(n).
  public static func write(_ tensor: Tensor, to url: URL) throws(TensorIOError) {
    let header = try header(for: tensor, file: url.lastPathComponent)
    try OutputFile.write(to: url) { (emit) throws(TensorIOError) in
      try header.withUnsafeBytes { bytes in Result { () throws(TensorIOError) in try emit(bytes) } }
        .get()
      try tensor.withUnsafeBytes { bytes in Result { () throws(TensorIOError) in try emit(bytes) } }
        .get()
    }
  }

  /// Magic, version, length field and padded header text for `tensor` (numpy's
  /// `_write_array_header` with `version=None`).
  static func header(for tensor: Tensor, file: String) throws(TensorIOError) -> Data {
    guard let descr = tensor.dtype.npyDescr else {
      throw TensorIOError(file: file, problem: .unsupportedInFormat(tensor.dtype, format: "NPY"))
    }
    let text = Array(NPYHeader(descr: descr, fortranOrder: false, shape: tensor.shape).text.utf8)
    // numpy: hlen = len(header) + 1 (the newline); pad with spaces so that magic + version +
    // length field + header is a multiple of 64. An aligned header still gets 64 spaces.
    let textLength = text.count + 1
    var fieldSize = 2
    var padding = alignment - (magic.count + 2 + fieldSize + textLength) % alignment
    if textLength + padding > Int(UInt16.max) {
      fieldSize = 4
      padding = alignment - (magic.count + 2 + fieldSize + textLength) % alignment
    }
    var data = Data(magic)
    data.append(contentsOf: [fieldSize == 2 ? 1 : 2, 0])
    let length = UInt32(textLength + padding)
    data.append(contentsOf: (0..<fieldSize).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) })
    data.append(contentsOf: text)
    data.append(contentsOf: [UInt8](repeating: 0x20, count: padding))
    data.append(0x0A)
    return data
  }

  /// Validates the prefix and header of an NPY file of `bytes` and locates its data.
  ///
  /// - Complexity: O(header length).
  static func parse(_ bytes: UnsafeRawBufferPointer, file: String) throws(TensorIOError) -> Layout {
    func error(_ problem: TensorIOError.Problem) -> TensorIOError {
      TensorIOError(file: file, problem: problem)
    }
    let size = bytes.count
    let prefix = min(size, magic.count)
    guard bytes[0..<prefix].elementsEqual(magic[0..<prefix]) else { throw error(.wrongMagic) }
    guard size >= magic.count + 2 else {
      throw error(.truncated(at: size, needed: magic.count + 2, what: "the magic and version"))
    }
    let major = Int(bytes[6])
    let minor = Int(bytes[7])
    guard minor == 0, (1...3).contains(major) else {
      throw error(.unsupportedVersion(major: major, minor: minor))
    }
    let fieldSize = major == 1 ? 2 : 4
    let textStart = 8 + fieldSize
    guard size >= textStart else {
      throw error(.truncated(at: size, needed: textStart, what: "the header length field"))
    }
    var textLength = 0
    for i in 0..<fieldSize { textLength |= Int(bytes[8 + i]) << (8 * i) }
    guard textLength <= maximumHeaderLength else {
      throw error(.absurdHeaderLength(length: UInt64(textLength), limit: maximumHeaderLength))
    }
    let dataOffset = textStart + textLength
    guard size >= dataOffset else {
      throw error(.truncated(at: size, needed: dataOffset, what: "the header"))
    }
    let text = [UInt8](bytes[textStart..<dataOffset])
    // Versions 1.0 and 2.0 hold latin-1 text, 3.0 UTF-8; the keys and values detkit accepts
    // are ASCII in all of them, so one byte-level parser serves.
    let header = try NPYHeader.parse(text, file: file)
    guard let (dtype, bigEndian) = DType.parseNPY(descr: header.descr) else {
      throw error(.unknownDType(header.descr, tensor: nil))
    }
    guard !header.fortranOrder else { throw error(.fortranOrder) }
    guard let count = Tensor.elementCount(of: header.shape, elementSize: dtype.size) else {
      throw error(.shapeOverflow(tensor: nil, shape: header.shape))
    }
    let byteCount = count * dtype.size
    let (end, overflow) = dataOffset.addingReportingOverflow(byteCount)
    guard !overflow else { throw error(.shapeOverflow(tensor: nil, shape: header.shape)) }
    guard size >= end else {
      throw error(.truncated(at: size, needed: end, what: "the data of shape \(header.shape)"))
    }
    guard size == end else {
      throw error(.sizeMismatch(tensor: nil, expected: byteCount, actual: size - dataOffset))
    }
    return Layout(
      dtype: dtype, bigEndian: bigEndian, shape: header.shape, count: count, dataOffset: dataOffset)
  }

  /// A tensor owning a little-endian copy of the data `layout` locates in `bytes`.
  static func tensor(copying bytes: UnsafeRawBufferPointer, _ layout: Layout, _ name: String)
    -> Tensor
  {
    let size = layout.dtype.size
    let source = UnsafeRawBufferPointer(
      rebasing: bytes[layout.dataOffset..<(layout.dataOffset + layout.count * size)])
    let words = Tensor.ownedWords(byteCount: source.count) { target in
      target.copyMemory(from: source)
      if layout.bigEndian { ByteOrder.swapElements(target, elementSize: size) }
    }
    return Tensor(
      dtype: layout.dtype, shape: layout.shape, count: layout.count, storage: .owned(words),
      source: name)
  }
}
