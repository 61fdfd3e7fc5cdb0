import DetSupport

extension Tensor {
  /// The elements as `Float`s, in C order.
  ///
  /// float16 and bfloat16 widen exactly; float64 and the integer types round to nearest
  /// (integers above 2^24 in magnitude may lose precision).
  ///
  /// - Throws: `TensorIOError` `.dtypeMismatch` for a `bool` tensor (a mask is not a number).
  /// - Complexity: O(n).
  public func asFloat32() throws(TensorIOError) -> [Float] {
    switch dtype {
    case .float16: convert(UInt16.self) { HalfFloat.float(fromFloat16: $0) }
    case .bfloat16: convert(UInt16.self) { HalfFloat.float(fromBFloat16: $0) }
    case .float32: convert(Float.self) { $0 }
    case .float64: convert(Double.self) { Float($0) }
    case .int32: convert(Int32.self) { Float($0) }
    case .int64: convert(Int64.self) { Float($0) }
    case .uint8: convert(UInt8.self) { Float($0) }
    case .bool: throw mismatch("a numeric tensor")
    }
  }

  /// The elements as `Double`s, in C order. Exact for every dtype except int64 values above
  /// 2^53 in magnitude, which round to nearest.
  ///
  /// - Throws: `TensorIOError` `.dtypeMismatch` for a `bool` tensor.
  /// - Complexity: O(n).
  public func asFloat64() throws(TensorIOError) -> [Double] {
    switch dtype {
    case .float16: convert(UInt16.self) { Double(HalfFloat.float(fromFloat16: $0)) }
    case .bfloat16: convert(UInt16.self) { Double(HalfFloat.float(fromBFloat16: $0)) }
    case .float32: convert(Float.self) { Double($0) }
    case .float64: convert(Double.self) { $0 }
    case .int32: convert(Int32.self) { Double($0) }
    case .int64: convert(Int64.self) { Double($0) }
    case .uint8: convert(UInt8.self) { Double($0) }
    case .bool: throw mismatch("a numeric tensor")
    }
  }

  /// The elements as `Int64`s, in C order: int32, int64, uint8 exactly, bool as 0 / 1.
  ///
  /// - Throws: `TensorIOError` `.dtypeMismatch` for a floating-point tensor (detkit never
  ///   truncates floats silently).
  /// - Complexity: O(n).
  public func asInt64() throws(TensorIOError) -> [Int64] {
    switch dtype {
    case .int32: convert(Int32.self) { Int64($0) }
    case .int64: convert(Int64.self) { $0 }
    case .uint8: convert(UInt8.self) { Int64($0) }
    case .bool: convert(UInt8.self) { $0 == 0 ? 0 : 1 }
    case .float16, .bfloat16, .float32, .float64: throw mismatch("an integer or bool tensor")
    }
  }

  /// The elements of a bool tensor, in C order: byte 0 is false, any other byte true.
  ///
  /// - Throws: `TensorIOError` `.dtypeMismatch` unless `dtype == .bool`.
  /// - Complexity: O(n).
  public func asBool() throws(TensorIOError) -> [Bool] {
    guard dtype == .bool else { throw mismatch("a bool tensor") }
    return convert(UInt8.self) { $0 != 0 }
  }

  private func mismatch(_ expected: String) -> TensorIOError {
    TensorIOError(file: source, problem: .dtypeMismatch(expected: expected, actual: dtype))
  }

  /// Element count from which conversions split the work across cores.
  static let parallelThreshold = 1 << 20

  /// `[transform(e) for e in elements]`, reading the storage as `Stored` (whose size is the
  /// dtype's; the storage is aligned for it). Large tensors are converted in chunks on all
  /// cores.
  private func convert<Stored, T>(_ stored: Stored.Type, _ transform: @Sendable (Stored) -> T)
    -> [T]
  {
    withUnsafeBytes { bytes in
      bytes.withMemoryRebound(to: Stored.self) { source in
        [T](unsafeUninitializedCapacity: source.count) { buffer, initialized in
          let count = source.count
          // Each chunk writes its own disjoint range of `buffer`; the pointers are only used
          // inside forEachChunk, which returns when every chunk is done. Below the threshold,
          // one chunk of everything on the caller's thread.
          let parallel = count >= Self.parallelThreshold
          let chunks = ChunkPlan(count: count, chunkSize: parallel ? 1 << 16 : max(1, count))
          nonisolated(unsafe) let (source, target) = (source, buffer)
          forEachChunk(chunks, parallel: parallel) { _, range in
            for i in range { target.initializeElement(at: i, to: transform(source[i])) }
          }
          initialized = count
        }
      }
    }
  }
}
