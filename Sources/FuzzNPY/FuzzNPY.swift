import DetTensorIO
import Foundation
import FuzzSupport

/// libFuzzer entry: decodes the input as an NPY file. A decode that succeeds must give a tensor
/// whose byte count fits its shape, that converts without trapping, and that survives an
/// encode/decode round trip unchanged; anything else must be a thrown `TensorIOError`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let data = bytes.map { Data(bytes: $0, count: size) } ?? Data()
  guard let tensor = try? NPYFile.decode(data, name: "fuzz.npy") else { return 0 }
  precondition(tensor.byteCount == tensor.shape.reduce(1, *) * tensor.dtype.size)
  _ = try? tensor.asFloat64()
  _ = try? tensor.asInt64()
  if let encoded = try? NPYFile.encode(tensor) {
    guard let again = try? NPYFile.decode(encoded, name: "again.npy") else {
      preconditionFailure("a decoded tensor's own encoding does not decode")
    }
    precondition(again == tensor, "round trip changed \(tensor)")
  }
  return 0
}

#if FUZZING
  @_cdecl("FuzzNPY_main")
  func fuzzNPYMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) -> Int32 {
    FuzzDriver.libFuzzer(argc, argv, fuzzNPY)
  }
#else
  @main enum FuzzNPYMain {
    static func main() { FuzzDriver.run(fuzzNPY) }
  }
#endif
