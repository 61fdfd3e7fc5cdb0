import DetTensorIO
import Foundation

/// Writes `tensor` as an NPY file at `path`, or to stdout for `-`: the `--output` of every
/// command that writes an array.
func writeNPY(_ tensor: Tensor, to path: String) throws {
  if path == "-" {
    FileHandle.standardOutput.write(try NPYFile.encode(tensor))
  } else {
    try NPYFile.write(tensor, to: URL(fileURLWithPath: path))
  }
}
