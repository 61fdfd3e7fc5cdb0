extension DType {
  /// The dtype name safetensors uses in its header (`"F32"`, `"BF16"`, `"BOOL"`, ...).
  public var safetensorsName: String {
    switch self {
    case .float16: "F16"
    case .bfloat16: "BF16"
    case .float32: "F32"
    case .float64: "F64"
    case .int32: "I32"
    case .int64: "I64"
    case .uint8: "U8"
    case .bool: "BOOL"
    }
  }

  /// The type named `name` in a safetensors header, or `nil` if detkit does not support it.
  ///
  /// - Complexity: O(1).
  public init?(safetensorsName name: String) {
    switch name {
    case "F16": self = .float16
    case "BF16": self = .bfloat16
    case "F32": self = .float32
    case "F64": self = .float64
    case "I32": self = .int32
    case "I64": self = .int64
    case "U8": self = .uint8
    case "BOOL": self = .bool
    default: return nil
    }
  }

  /// The rank of this type in the reference writer's `Dtype` enumeration, which lists types
  /// in increasing alignment: BOOL < U8 < F16 < BF16 < I32 < F32 < F64 < I64.
  /// The writer stores tensors by decreasing rank, then by name.
  var safetensorsWriteRank: Int {
    switch self {
    case .bool: 0
    case .uint8: 1
    case .float16: 2
    case .bfloat16: 3
    case .int32: 4
    case .float32: 5
    case .float64: 6
    case .int64: 7
    }
  }
}
