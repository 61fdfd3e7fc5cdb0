import ArgumentParser
import DetTensorIO

/// `--non-finite`: what a NaN or an infinity in an input array does.
enum NonFiniteOption: String, ExpressibleByArgument, CaseIterable {
  /// Stop before computing, naming the file, the array and the first such element (exit 1).
  case error
  /// Compute anyway: the losses of the elements that read a NaN or infinity, and every sum
  /// over them, become NaN or infinite; JSON prints such a loss as null.
  case propagate

  /// The option's help, shared by every loss subcommand.
  static let help = ArgumentHelp(
    "What a NaN or infinity in an input does.",
    discussion: """
      error stops before computing, naming the file, the array and the flat index (row and \
      column) of the first NaN or infinity; exit status 1. propagate computes anyway: the \
      losses of the elements that read a NaN / inf become NaN or infinite, and so does every \
      sum over them (printed as null in JSON); gradients follow the formula (smooth L1's slope \
      at +inf is 1); values the loss never reads change nothing.
      """)

  /// Under `.error`, throws ``NonFiniteInputError`` for the first NaN or infinity of
  /// `values`; under `.propagate`, returns.
  ///
  /// - Parameters:
  ///   - values: the array as the loss sees it (converted to float32).
  ///   - tensor: the array as read, to tell a float64 value beyond float32's range (which the
  ///     conversion turned into an infinity) from an infinity in the file.
  ///   - file: the file, as the user named it.
  ///   - array: which array of the file, e.g. `--logits` or `tensor "7/cls_logits"`.
  ///   - axes: names of the dimensions for the error's position, e.g. `["anchor", "class"]`;
  ///     row and column for a 2-D array by default.
  /// - Complexity: O(n), one pass over `values`.
  func check(
    _ values: [Float], of tensor: Tensor, file: String, array: String, axes: [String]? = nil
  ) throws {
    guard self == .error, let index = values.firstIndex(where: { !$0.isFinite }) else { return }
    var original: Double?
    if tensor.dtype == .float64, let value = try? tensor.asFloat64()[index], value.isFinite {
      original = value
    }
    throw NonFiniteInputError(
      file: file, array: array, shape: tensor.shape, index: index, value: values[index],
      original: original, axes: axes ?? (tensor.shape.count == 2 ? ["row", "column"] : []))
  }
}

/// The first NaN or infinity of an input array, under `--non-finite error` (exit status 1).
struct NonFiniteInputError: Error, CustomStringConvertible {
  var file: String
  var array: String
  var shape: [Int]
  /// Flat (row-major) index of the element.
  var index: Int
  /// The element as float32.
  var value: Float
  /// The float64 value in the file, when it is finite but beyond float32's range.
  var original: Double?
  /// Dimension names for the position, one per dimension, or empty.
  var axes: [String]

  /// The element's index along each dimension (C order).
  var position: [Int] {
    var rest = index
    var out = [Int](repeating: 0, count: shape.count)
    for d in shape.indices.reversed() where shape[d] > 0 {
      out[d] = rest % shape[d]
      rest /= shape[d]
    }
    return out
  }

  var description: String {
    var place = "flat index \(index)"
    if axes.count == shape.count && !axes.isEmpty {
      place += " (" + zip(axes, position).map { "\($0) \($1)" }.joined(separator: ", ") + ")"
    } else if shape.count > 1 {
      place += " (position \(position))"
    }
    let what = original.map { "\(value) (\($0) is beyond float32's range)" } ?? "\(value)"
    return "\(file): \(array) \(shape): first non-finite value \(what) at \(place); "
      + "pass --non-finite propagate to compute anyway"
  }
}
