/// A Swift type whose memory layout is one ``DType`` element, so a tensor of that dtype can
/// be viewed as a buffer of it without copying: `Float` (float32), `Double` (float64),
/// `Int32`, `Int64`, `UInt8`.
///
/// `Bool` is not one: a bool tensor byte may hold any nonzero value, which is not a valid
/// Swift `Bool`; use ``Tensor/asBool()``.
public protocol TensorElement: Sendable {
  /// The dtype whose elements have this type's layout.
  static var tensorDType: DType { get }
}

extension Float: TensorElement {
  public static var tensorDType: DType { .float32 }
}

extension Double: TensorElement {
  public static var tensorDType: DType { .float64 }
}

extension Int32: TensorElement {
  public static var tensorDType: DType { .int32 }
}

extension Int64: TensorElement {
  public static var tensorDType: DType { .int64 }
}

extension UInt8: TensorElement {
  public static var tensorDType: DType { .uint8 }
}
