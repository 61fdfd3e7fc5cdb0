import DetSupport
import Foundation

/// Why an NPY or safetensors file could not be read or written: the file and the problem.
///
/// Every malformed or hostile input throws one of these; none of them traps. `description`
/// reads like `"boxes.npy: truncated at byte 80: the data needs 96 bytes"`.
public struct TensorIOError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What went wrong.
  public enum Problem: Sendable, Equatable {
    /// The operating system refused `operation` (`open`, `mmap`, `write`, ...) with `errno`.
    case io(operation: String, errno: Int32)
    /// The file does not start with the format's magic bytes (NPY: `\x93NUMPY`).
    case wrongMagic
    /// An NPY format version other than 1.0, 2.0 or 3.0.
    case unsupportedVersion(major: Int, minor: Int)
    /// The file ends at byte `at` but `needed` bytes are required to hold `what`.
    case truncated(at: Int, needed: Int, what: String)
    /// The header claims `length` bytes, more than `limit` (or more than the file holds).
    case absurdHeaderLength(length: UInt64, limit: Int)
    /// The header text is malformed: `detail` names the byte offset in the header and what
    /// was expected there.
    case badHeader(detail: String)
    /// The header names a dtype detkit does not read (`descr` for NPY, `dtype` of the
    /// safetensors tensor `tensor`).
    case unknownDType(String, tensor: String?)
    /// An NPY array stored in Fortran (column-major) order; detkit reads C order only.
    case fortranOrder
    /// The product of the shape's dimensions (or that times the element size) overflows.
    case shapeOverflow(tensor: String?, shape: [Int])
    /// A safetensors tensor's `data_offsets` `[begin, end)` lie outside the data section of
    /// `dataLength` bytes, or `end < begin`.
    case offsetsOutsideData(tensor: String, begin: Int, end: Int, dataLength: Int)
    /// Two safetensors tensors share bytes.
    case overlap(tensor: String, other: String)
    /// The safetensors data section has `[begin, end)` bytes that no tensor covers.
    case uncoveredBytes(begin: Int, end: Int)
    /// The byte length does not equal shape x dtype size.
    case sizeMismatch(tensor: String?, expected: Int, actual: Int)
    /// A tensor name appears twice (in a header or in the tensors passed to a writer), or is
    /// the reserved `__metadata__`.
    case invalidName(String)
    /// A tensor holds `actual` where the caller asked for `expected` (e.g. a `bool` mask
    /// read as floats).
    case dtypeMismatch(expected: String, actual: DType)
    /// The tensor cannot be stored in this format (bfloat16 in NPY).
    case unsupportedInFormat(DType, format: String)
  }

  /// The file (path or caller-given name) the problem is in.
  public var file: String
  /// What is wrong.
  public var problem: Problem

  public init(file: String, problem: Problem) {
    self.file = file
    self.problem = problem
  }

  public var description: String { "\(file): \(problem.message)" }
}

extension TensorIOError.Problem {
  var message: String {
    switch self {
    case .io(let operation, let errno):
      return SystemCallError(call: operation, code: errno).description
    case .wrongMagic:
      return "wrong magic: not an NPY file (expected the bytes \\x93NUMPY)"
    case .unsupportedVersion(let major, let minor):
      return "unsupported NPY format version \(major).\(minor) (expected 1.0, 2.0 or 3.0)"
    case .truncated(let at, let needed, let what):
      return "truncated at byte \(at): \(what) needs \(needed) bytes"
    case .absurdHeaderLength(let length, let limit):
      return "absurd header length \(length) bytes (at most \(limit) allowed here)"
    case .badHeader(let detail):
      return "bad header: \(detail)"
    case .unknownDType(let name, let tensor):
      return "\(prefix(tensor))unknown dtype \(quoted(name)) (expected one of "
        + (tensor == nil
          ? "<f2 <f4 <f8 <i4 <i8 |u1 |b1, or > for big-endian)"
          : "F16 BF16 F32 F64 I32 I64 U8 BOOL)")
    case .fortranOrder:
      return "Fortran order (fortran_order: True) is not supported; save a C-order array "
        + "(numpy.ascontiguousarray)"
    case .shapeOverflow(let tensor, let shape):
      return "\(prefix(tensor))shape \(shape) overflows: its byte size does not fit in an Int"
    case .offsetsOutsideData(let tensor, let begin, let end, let dataLength):
      return "tensor \(quoted(tensor)): data_offsets [\(begin), \(end)] lie outside the data "
        + "section of \(dataLength) bytes (or end < begin)"
    case .overlap(let tensor, let other):
      return "tensors \(quoted(tensor)) and \(quoted(other)) overlap"
    case .uncoveredBytes(let begin, let end):
      return "data bytes [\(begin), \(end)) belong to no tensor (the tensors must cover the "
        + "data section without holes)"
    case .sizeMismatch(let tensor, let expected, let actual):
      return "\(prefix(tensor))size mismatch: shape x dtype size is \(expected) bytes but "
        + "\(actual) bytes are given"
    case .invalidName(let name):
      return "tensor name \(quoted(name)) is duplicated or reserved"
    case .dtypeMismatch(let expected, let actual):
      return "expected \(expected), found a tensor of dtype \(actual.rawValue)"
    case .unsupportedInFormat(let dtype, let format):
      return "\(dtype.rawValue) tensors cannot be stored in \(format) files"
    }
  }

  private func quoted(_ s: String) -> String {
    "\"" + String(s.unicodeScalars.prefix(200).map { $0.escaped(asASCII: true) }.joined()) + "\""
  }

  private func prefix(_ tensor: String?) -> String {
    tensor.map { "tensor \(quoted($0)): " } ?? ""
  }
}
