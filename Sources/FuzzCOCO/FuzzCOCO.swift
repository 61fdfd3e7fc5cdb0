import DetStore
import Foundation
import FuzzSupport

private let scratch = FuzzScratch("FuzzCOCO")
nonisolated(unsafe) private let store: AnnotationStore = {
  do { return try AnnotationStore(path: ":memory:") } catch { fatalError("\(error)") }
}()

/// libFuzzer entry: imports the input as a COCO instances file into an in-memory store
/// (odd sizes under the strict policy, even sizes under skip). A failed import must throw a
/// `StoreError` and leave no dataset; a landed one must read back whole, export, and import
/// again to the same counts.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCOCO(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let path = scratch.write(bytes, size, to: "instances.json")
  let options = ImportOptions(replace: true, policy: size % 2 == 0 ? .skip : .strict)
  do {
    _ = try COCOImporter(path: path).importDataset(into: store, named: "fuzz", options: options)
  } catch let error as StoreError {
    _ = error.description
    precondition((try? store.datasets())?.isEmpty == true, "a failed import left a dataset")
    return 0
  } catch {
    preconditionFailure("not a StoreError: \(error)")
  }
  do {
    let info = try store.dataset(named: "fuzz")
    var images = 0
    var annotations = 0
    try store.forEachImage(in: "fuzz") { _ in images += 1 }
    try store.forEachAnnotation(in: "fuzz") { _ in annotations += 1 }
    precondition(images == info.images && annotations == info.annotations)
    _ = try store.statistics(of: "fuzz")
    let exported = scratch.url.appendingPathComponent("exported.json").path
    try COCOExporter(path: exported).export(from: store, dataset: "fuzz")
    _ = try COCOImporter(path: exported).importDataset(into: store, named: "again")
    let again = try store.dataset(named: "again")
    precondition(
      (again.images, again.annotations, again.categories)
        == (info.images, info.annotations, info.categories),
      "export + import changed the counts: \(info) -> \(again)")
    try store.deleteDataset(named: "again")
    try store.deleteDataset(named: "fuzz")
  } catch {
    preconditionFailure("a landed dataset does not read back, export and re-import: \(error)")
  }
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
