import DetStore
import Foundation
import FuzzSupport

private let scratch = FuzzScratch("FuzzVOC")
nonisolated(unsafe) private let store: AnnotationStore = {
  do { return try AnnotationStore(path: ":memory:") } catch { fatalError("\(error)") }
}()

/// libFuzzer entry: imports the input as one Pascal VOC XML file into an in-memory store
/// (odd sizes strict, even sizes skip). A failure must be a `StoreError` that leaves no
/// dataset; a landed dataset must read back with the counts it reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVOC(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let path = scratch.write(bytes, size, to: "annotation.xml")
  let options = ImportOptions(replace: true, policy: size % 2 == 0 ? .skip : .strict)
  do {
    _ = try VOCImporter(path: path).importDataset(into: store, named: "fuzz", options: options)
  } catch let error as StoreError {
    _ = error.description
    precondition((try? store.datasets())?.isEmpty == true, "a failed import left a dataset")
    return 0
  } catch {
    preconditionFailure("not a StoreError: \(error)")
  }
  do {
    let info = try store.dataset(named: "fuzz")
    var annotations = 0
    try store.forEachAnnotation(in: "fuzz") { _ in annotations += 1 }
    precondition(annotations == info.annotations)
    try store.deleteDataset(named: "fuzz")
  } catch {
    preconditionFailure("a landed dataset does not read back: \(error)")
  }
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
