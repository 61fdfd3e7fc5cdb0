import DetStore
import Foundation
import FuzzStoreSupport
import FuzzSupport

private let scratch = FuzzScratch("FuzzCOCO")
nonisolated(unsafe) private let store = makeFuzzStore()

/// libFuzzer entry: imports the input as a COCO instances file into an in-memory store
/// (odd sizes under the strict policy, even sizes under skip). A failed import must throw a
/// `StoreError` and leave no dataset; a landed one must read back whole, export, and import
/// again to the same counts.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCOCO(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let path = scratch.write(bytes, size, to: "instances.json")
  let options = ImportOptions(replace: true, policy: size % 2 == 0 ? .skip : .strict)
  checkImportOutcome(
    in: store,
    {
      _ = try COCOImporter(path: path).importDataset(into: store, named: "fuzz", options: options)
    },
    landed: {
      _ = try store.statistics(of: "fuzz")
      let info = try store.dataset(named: "fuzz")
      let exported = scratch.url.appendingPathComponent("exported.json").path
      try COCOExporter(path: exported).export(from: store, dataset: "fuzz")
      _ = try COCOImporter(path: exported).importDataset(into: store, named: "again")
      let again = try store.dataset(named: "again")
      precondition(
        (again.images, again.annotations, again.categories)
          == (info.images, info.annotations, info.categories),
        "export + import changed the counts: \(info) -> \(again)")
      try store.deleteDataset(named: "again")
    })
  return 0
}

#if FUZZING
  @_cdecl("FuzzCOCO_main")
  func fuzzCOCOMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) -> Int32 {
    FuzzDriver.libFuzzer(argc, argv, fuzzCOCO)
  }
#else
  @main enum FuzzCOCOMain {
    static func main() { FuzzDriver.run(fuzzCOCO) }
  }
#endif
