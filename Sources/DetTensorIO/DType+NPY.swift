extension DType {
  /// The NPY `descr` string numpy writes for this type in little-endian order
  /// (`"<f4"`, `"|u1"`, `"|b1"`, ...), or `nil` for `bfloat16`, which NPY cannot hold.
  public var npyDescr: String? {
    switch self {
    case .float16: "<f2"
    case .bfloat16: nil
    case .float32: "<f4"
    case .float64: "<f8"
    case .int32: "<i4"
    case .int64: "<i8"
    case .uint8: "|u1"
    case .bool: "|b1"
    }
  }

  /// Parses an NPY `descr` string into a type and its byte order.
  ///
  /// Accepts the byte-order marks numpy writes: `<` (little) and `>` (big) for every type,
  /// `|` (not applicable) for the one-byte types `u1` and `b1` only.
  ///
  /// - Returns: the type and whether its bytes are big-endian, or `nil` for any other string.
  /// - Complexity: O(1).
  static func parseNPY(descr: String) -> (dtype: DType, bigEndian: Bool)? {
    guard descr.utf8.count == 3 || descr.utf8.count == 4, let order = descr.first else {
      return nil
    }
    let code = descr.dropFirst()
    let dtype: DType
    switch code {
    case "f2": dtype = .float16
    case "f4": dtype = .float32
    case "f8": dtype = .float64
    case "i4": dtype = .int32
    case "i8": dtype = .int64
    case "u1": dtype = .uint8
    case "b1": dtype = .bool
    default: return nil
    }
    switch order {
    case "<": return (dtype, false)
    case ">": return (dtype, dtype.size > 1)
    case "|" where dtype.size == 1: return (dtype, false)
    default: return nil
    }
  }
}
