import DetTensorIO
import Foundation
import FuzzSupport

/// libFuzzer entry: decodes the input as a safetensors file. A decode that succeeds must give
/// an archive whose every tensor is readable and converts without trapping, and whose encoding
/// decodes back to the same names, dtypes and shapes; anything else must be a thrown
/// `TensorIOError`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let data = bytes.map { Data(bytes: $0, count: size) } ?? Data()
  guard let archive = try? SafetensorsFile.decode(data, name: "fuzz.safetensors") else { return 0 }
  var tensors: [(name: String, tensor: Tensor)] = []
  for name in archive.names {
    guard let tensor = archive[name] else { preconditionFailure("listed tensor \(name) missing") }
    _ = try? tensor.asFloat64()
    tensors.append((name, tensor))
  }
  if let encoded = try? SafetensorsFile.encode(tensors, metadata: archive.metadata) {
    guard let again = try? SafetensorsFile.decode(encoded, name: "again.safetensors") else {
      preconditionFailure("a decoded archive's own encoding does not decode")
    }
    precondition(Set(again.names) == Set(archive.names) && again.metadata == archive.metadata)
    for (name, tensor) in tensors {
      precondition(again[name] == tensor, "round trip changed tensor \(name)")
    }
  }
  return 0
}

#if FUZZING
  @_cdecl("FuzzSafetensors_main")
  func fuzzSafetensorsMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) -> Int32 {
    FuzzDriver.libFuzzer(argc, argv, fuzzSafetensors)
  }
#else
  @main enum FuzzSafetensorsMain {
    static func main() { FuzzDriver.run(fuzzSafetensors) }
  }
#endif
