/// Byte-order conversion of element buffers.
enum ByteOrder {
  /// Reverses the bytes of every `elementSize`-byte element of `buffer` in place (big-endian
  /// to little-endian and back). One-byte elements are left alone.
  ///
  /// - Precondition: `buffer.count` is a multiple of `elementSize`, which is 1, 2, 4 or 8,
  ///   and the buffer is aligned to `elementSize`.
  /// - Complexity: O(n).
  static func swapElements(_ buffer: UnsafeMutableRawBufferPointer, elementSize: Int) {
    switch elementSize {
    case 2: swap(buffer, as: UInt16.self)
    case 4: swap(buffer, as: UInt32.self)
    case 8: swap(buffer, as: UInt64.self)
    default: precondition(elementSize == 1, "element size \(elementSize) is not 1, 2, 4 or 8")
    }
  }

  private static func swap<T: FixedWidthInteger>(
    _ buffer: UnsafeMutableRawBufferPointer, as: T.Type
  ) {
    buffer.withMemoryRebound(to: T.self) { elements in
      for i in elements.indices { elements[i] = elements[i].byteSwapped }
    }
  }
}
