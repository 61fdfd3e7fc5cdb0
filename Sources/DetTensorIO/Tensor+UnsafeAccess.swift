extension Tensor {
  /// Calls `body` with the tensor's little-endian bytes (`byteCount` of them), without copying.
  ///
  /// The buffer is valid only during `body`.
  ///
  /// - Complexity: O(1) plus the cost of `body`.
  public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    switch storage {
    case .owned(let words):
      return try words.withUnsafeBytes {
        try body(UnsafeRawBufferPointer(rebasing: $0[0..<byteCount]))
      }
    case .mapped(let file, let offset):
      return try withExtendedLifetime(file) {
        try body(UnsafeRawBufferPointer(rebasing: file.bytes[offset..<(offset + byteCount)]))
      }
    }
  }

  /// Calls `body` with the elements as a typed buffer, without copying: the zero-copy path for
  /// a memory-mapped float32 or int64 tensor.
  ///
  /// ```swift
  /// let boxes = try NPYFile.read(contentsOf: url)
  /// let sum = try boxes.withUnsafeBufferPointer(of: Float.self) { $0.reduce(0, +) }
  /// ```
  ///
  /// - Parameter type: the element type; its ``TensorElement/tensorDType`` must be `dtype`.
  /// - Throws: `TensorIOError` `.dtypeMismatch` when `type` does not match `dtype` (convert
  ///   with ``asFloat32()`` and friends instead), or whatever `body` throws.
  /// - Complexity: O(1) plus the cost of `body`.
  public func withUnsafeBufferPointer<T: TensorElement, R>(
    of type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
  ) throws -> R {
    guard T.tensorDType == dtype else {
      throw TensorIOError(
        file: source, problem: .dtypeMismatch(expected: T.tensorDType.rawValue, actual: dtype))
    }
    return try withUnsafeBytes { bytes in
      try bytes.withMemoryRebound(to: T.self, body)
    }
  }
}
