import DetStore
import Foundation
import FuzzStoreSupport
import FuzzSupport

/// A flat YOLO folder: a 4 x 3 PNG, its label file, and the class-name YAML under test.
private let scratch = makeYOLOScratch("FuzzYOLONames", files: ["image.txt": "2 0.5 0.5 0.25 0.5\n"])
nonisolated(unsafe) private let store = makeFuzzStore()

/// libFuzzer entry: imports a YOLO folder whose class-name YAML is the input (odd sizes
/// strict, even sizes skip). A failure must be a `StoreError` that leaves no dataset; a
/// landed dataset must read back with the counts it reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYOLONames(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let names = scratch.write(bytes, size, to: "names.yaml")
  let options = ImportOptions(replace: true, policy: size % 2 == 0 ? .skip : .strict)
  checkImportOutcome(
    in: store,
    {
      _ = try YOLOImporter(path: scratch.url.path, namesFile: names).importDataset(
        into: store, named: "fuzz", options: options)
    })
  return 0
}

#if FUZZING
  @_cdecl("FuzzYOLONames_main")
  func fuzzYOLONamesMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) -> Int32 {
    FuzzDriver.libFuzzer(argc, argv, fuzzYOLONames)
  }
#else
  @main enum FuzzYOLONamesMain {
    static func main() { FuzzDriver.run(fuzzYOLONames) }
  }
#endif
