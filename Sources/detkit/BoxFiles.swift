import ArgumentParser
import DetGeometry
import DetPipeline
import DetTensorIO
import Foundation

/// NPY input and output shared by `iou`, `encode` and `decode`.
enum BoxFiles {
  /// Reads an `[N, 4]` numeric NPY file (any float or integer dtype, converted to float32),
  /// checking for NaN and infinity as `nonFinite` says.
  ///
  /// - Throws: `TensorIOError` for an unreadable or malformed file, `PipelineError`
  ///   (`.badArray`) when the shape is not `[N, 4]` (`what` names the content, e.g. "boxes"),
  ///   `PipelineError` (`.nonFiniteInput`) for a NaN or infinity under `.error` (`option`
  ///   names the argument, `axes` the dimensions).
  static func readRows(
    _ path: String, what: String, option: String, axes: [String], nonFinite: NonFiniteOption
  ) throws -> [Float] {
    let tensor: Tensor
    do {
      tensor = try NPYFile.read(contentsOf: URL(fileURLWithPath: path))
    } catch var error {
      error.file = path  // the path as the user typed it, not just its last component
      throw error
    }
    guard tensor.shape.count == 2, tensor.shape[1] == 4 else {
      throw PipelineError(
        .badArray, at: path, "expected \(what) of shape [N, 4], got \(tensor.shape)")
    }
    let values = try tensor.asFloat32()
    try nonFinite.check(values, of: tensor, file: path, array: option, axes: axes)
    return values
  }

  /// Reads `[N, 4]` xyxy boxes.
  static func readBoxes(_ path: String, option: String, nonFinite: NonFiniteOption) throws
    -> BoxArray
  {
    BoxArray(
      flat: try readRows(
        path, what: "xyxy boxes", option: option, axes: ["box", "coordinate"], nonFinite: nonFinite)
    )
  }

  /// Writes float32 `values` of `shape` as NPY to `path`, or to stdout for `-`.
  static func write(_ values: [Float], shape: [Int], to path: String) throws {
    try writeNPY(Tensor(shape: shape, float32: values), to: path)
  }
}

/// `--weights wx,wy,ww,wh` of the box coder.
struct CoderWeights: ExpressibleByArgument {
  var values: SIMD4<Float>

  init?(argument: String) {
    let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
    let numbers = parts.compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 4, numbers.count == 4, numbers.allSatisfy({ $0.isFinite && $0 != 0 })
    else {
      return nil
    }
    values = SIMD4(numbers[0], numbers[1], numbers[2], numbers[3])
  }

  init(_ values: SIMD4<Float>) { self.values = values }

  static var defaultValueDescription: String { "wx,wy,ww,wh" }
}
