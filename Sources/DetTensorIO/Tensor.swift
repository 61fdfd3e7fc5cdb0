import DetSupport
import Foundation

#if _endian(big)
  #error("DetTensorIO keeps tensors little-endian in memory and needs a little-endian host")
#endif

/// An n-dimensional array of one ``DType``, in C order (row-major, last index fastest),
/// elements little-endian: the value both NPY and safetensors files read into and write from.
///
/// A tensor read from a file is a view of the file's memory mapping (no copy) whenever the
/// bytes are little-endian and aligned to the element size; big-endian NPY data and
/// misaligned data are converted into owned storage on read. Copies of a `Tensor` share
/// storage; it is immutable.
///
/// A 0-dimensional tensor (`shape == []`) holds one element; a shape with a zero dimension
/// holds none.
public struct Tensor: Sendable {
  /// The element type.
  public let dtype: DType
  /// The dimensions, outermost first. Every entry is >= 0.
  public let shape: [Int]
  /// The number of elements: the product of `shape` (1 for a 0-d tensor).
  public let count: Int
  /// Where the bytes live.
  let storage: Storage
  /// What error messages call this tensor (the file it came from, or "tensor").
  let source: String

  /// The bytes of a tensor.
  enum Storage: Sendable {
    /// Owned bytes: the first `byteCount` bytes of the words. Words keep the bytes 8-byte
    /// aligned, enough for every ``DType``.
    case owned([UInt64])
    /// A view of `file` starting at `offset`, which is a multiple of the element size.
    case mapped(MappedFile, offset: Int)
  }

  /// The number of bytes the elements occupy: `count * dtype.size`.
  public var byteCount: Int { count * dtype.size }

  init(dtype: DType, shape: [Int], count: Int, storage: Storage, source: String) {
    self.dtype = dtype
    self.shape = shape
    self.count = count
    self.storage = storage
    self.source = source
  }

  /// The element count of `shape`, or `nil` when a dimension is negative or the byte size
  /// `count * elementSize` overflows `Int`.
  ///
  /// - Complexity: O(rank).
  static func elementCount(of shape: [Int], elementSize: Int) -> Int? {
    var count = 1
    for dimension in shape {
      guard dimension >= 0 else { return nil }
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      guard !overflow else { return nil }
      count = product
    }
    guard !count.multipliedReportingOverflow(by: elementSize).overflow else { return nil }
    return count
  }

  /// Words holding `byteCount` bytes that `fill` writes; padding bytes are zero.
  static func ownedWords(
    byteCount: Int, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void
  ) rethrows -> [UInt64] {
    var words = [UInt64](repeating: 0, count: (byteCount + 7) / 8)
    try words.withUnsafeMutableBytes {
      try fill(UnsafeMutableRawBufferPointer(rebasing: $0[0..<byteCount]))
    }
    return words
  }

  /// A tensor of `dtype` and `shape` whose elements are the little-endian `bytes`, copied.
  ///
  /// - Precondition: `shape` has no negative dimension and `bytes.count` equals
  ///   product(shape) x `dtype.size`.
  /// - Complexity: O(`bytes.count`).
  public init(shape: [Int], dtype: DType, littleEndianBytes bytes: UnsafeRawBufferPointer) {
    let count = Self.checkedCount(shape, dtype)
    precondition(
      bytes.count == count * dtype.size,
      "Tensor of shape \(shape) and dtype \(dtype) needs \(count * dtype.size) bytes, got \(bytes.count)"
    )
    let words = Self.ownedWords(byteCount: bytes.count) { $0.copyMemory(from: bytes) }
    self.init(dtype: dtype, shape: shape, count: count, storage: .owned(words), source: "tensor")
  }

  private static func checkedCount(_ shape: [Int], _ dtype: DType) -> Int {
    guard let count = elementCount(of: shape, elementSize: dtype.size) else {
      preconditionFailure("Tensor shape \(shape) has a negative dimension or overflows")
    }
    return count
  }

  private init<T: TensorElement>(shape: [Int], elements: [T]) {
    let count = Self.checkedCount(shape, T.tensorDType)
    precondition(
      elements.count == count,
      "Tensor of shape \(shape) holds \(count) elements, got \(elements.count) values")
    let words = elements.withUnsafeBytes { bytes in
      Self.ownedWords(byteCount: bytes.count) { $0.copyMemory(from: bytes) }
    }
    self.init(
      dtype: T.tensorDType, shape: shape, count: count, storage: .owned(words), source: "tensor")
  }

  /// A float32 tensor holding `float32` in C order.
  ///
  /// - Precondition: `float32.count` equals the product of `shape` (no negative dimension).
  /// - Complexity: O(n).
  public init(shape: [Int], float32: [Float]) { self.init(shape: shape, elements: float32) }

  /// A float64 tensor holding `float64` in C order.
  ///
  /// - Precondition: `float64.count` equals the product of `shape`.
  /// - Complexity: O(n).
  public init(shape: [Int], float64: [Double]) { self.init(shape: shape, elements: float64) }

  /// An int32 tensor holding `int32` in C order.
  ///
  /// - Precondition: `int32.count` equals the product of `shape`.
  /// - Complexity: O(n).
  public init(shape: [Int], int32: [Int32]) { self.init(shape: shape, elements: int32) }

  /// An int64 tensor holding `int64` in C order.
  ///
  /// - Precondition: `int64.count` equals the product of `shape`.
  /// - Complexity: O(n).
  public init(shape: [Int], int64: [Int64]) { self.init(shape: shape, elements: int64) }

  /// A uint8 tensor holding `uint8` in C order.
  ///
  /// - Precondition: `uint8.count` equals the product of `shape`.
  /// - Complexity: O(n).
  public init(shape: [Int], uint8: [UInt8]) { self.init(shape: shape, elements: uint8) }

  /// A bool tensor holding `bool` in C order, one byte per element (0 or 1).
  ///
  /// - Precondition: `bool.count` equals the product of `shape`.
  /// - Complexity: O(n).
  public init(shape: [Int], bool: [Bool]) {
    let count = Self.checkedCount(shape, .bool)
    precondition(
      bool.count == count, "Tensor of shape \(shape) holds \(count) elements, got \(bool.count)")
    let words = Self.ownedWords(byteCount: count) { bytes in
      for (i, value) in bool.enumerated() { bytes[i] = value ? 1 : 0 }
    }
    self.init(dtype: .bool, shape: shape, count: count, storage: .owned(words), source: "tensor")
  }

  /// A float16 (IEEE binary16) tensor of `float16` rounded to half precision: round to
  /// nearest, ties to even; magnitudes from 65520 up become infinity, NaN stays NaN, values
  /// below the smallest subnormal (2^-24) round to signed zero.
  ///
  /// - Precondition: `float16.count` equals the product of `shape`.
  /// - Complexity: O(n).
  public init(shape: [Int], float16: [Float]) {
    self.init(shape: shape, halfBits: float16.map(HalfFloat.float16Bits), dtype: .float16)
  }

  /// A bfloat16 tensor of `bfloat16` rounded to bfloat16 (the top 16 bits of a float32):
  /// round to nearest, ties to even, as PyTorch does; every NaN becomes the quiet NaN 0x7FC0.
  ///
  /// - Precondition: `bfloat16.count` equals the product of `shape`.
  /// - Complexity: O(n).
  public init(shape: [Int], bfloat16: [Float]) {
    self.init(shape: shape, halfBits: bfloat16.map(HalfFloat.bfloat16Bits), dtype: .bfloat16)
  }

  private init(shape: [Int], halfBits: [UInt16], dtype: DType) {
    let count = Self.checkedCount(shape, dtype)
    precondition(
      halfBits.count == count,
      "Tensor of shape \(shape) holds \(count) elements, got \(halfBits.count) values")
    let words = halfBits.withUnsafeBytes { bytes in
      Self.ownedWords(byteCount: bytes.count) { $0.copyMemory(from: bytes) }
    }
    self.init(dtype: dtype, shape: shape, count: count, storage: .owned(words), source: "tensor")
  }
}

extension Tensor: Equatable {
  /// Two tensors are equal when dtype, shape and every byte agree (so NaNs with the same bit
  /// pattern are equal, and +0 differs from -0).
  ///
  /// - Complexity: O(`byteCount`).
  public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
    guard lhs.dtype == rhs.dtype, lhs.shape == rhs.shape else { return false }
    return lhs.withUnsafeBytes { a in
      rhs.withUnsafeBytes { b in
        guard let x = a.baseAddress, let y = b.baseAddress else { return a.count == b.count }
        return a.count == b.count && memcmp(x, y, a.count) == 0
      }
    }
  }
}

extension Tensor: CustomStringConvertible {
  /// `Tensor(float32, [2, 4])`.
  public var description: String { "Tensor(\(dtype.rawValue), \(shape))" }
}
