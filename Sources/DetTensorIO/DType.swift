/// The element types detkit reads and writes in NPY and safetensors files.
///
/// In memory every tensor holds its elements little-endian, C order (row-major).
/// `bool` is one byte per element, 0 for false and nonzero for true (writers emit 1).
public enum DType: String, Sendable, CaseIterable {
  case float16, bfloat16, float32, float64, int32, int64, uint8, bool

  /// Bytes per element.
  public var size: Int {
    switch self {
    case .float16, .bfloat16: 2
    case .float32, .int32: 4
    case .float64, .int64: 8
    case .uint8, .bool: 1
    }
  }

  /// Whether the elements are floating-point numbers (`float16`, `bfloat16`, `float32`,
  /// `float64`).
  public var isFloatingPoint: Bool {
    switch self {
    case .float16, .bfloat16, .float32, .float64: true
    case .int32, .int64, .uint8, .bool: false
    }
  }
}
