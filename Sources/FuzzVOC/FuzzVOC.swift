import DetStore
import Foundation
import FuzzStoreSupport
import FuzzSupport

private let scratch = FuzzScratch("FuzzVOC")
nonisolated(unsafe) private let store = makeFuzzStore()

/// libFuzzer entry: imports the input as one Pascal VOC XML file into an in-memory store
/// (odd sizes strict, even sizes skip). A failure must be a `StoreError` that leaves no
/// dataset; a landed dataset must read back with the counts it reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVOC(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let path = scratch.write(bytes, size, to: "annotation.xml")
  let options = ImportOptions(replace: true, policy: size % 2 == 0 ? .skip : .strict)
  checkImportOutcome(
    in: store,
    {
      _ = try VOCImporter(path: path).importDataset(into: store, named: "fuzz", options: options)
    })
  return 0
}

#if FUZZING
  @_cdecl("FuzzVOC_main")
  func fuzzVOCMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) -> Int32 {
    FuzzDriver.libFuzzer(argc, argv, fuzzVOC)
  }
#else
  @main enum FuzzVOCMain {
    static func main() { FuzzDriver.run(fuzzVOC) }
  }
#endif
