import DetStore
import Foundation
import FuzzStoreSupport
import FuzzSupport

/// A flat YOLO folder: a 4 x 3 PNG, three class names, and the label file under test.
private let scratch = makeYOLOScratch("FuzzYOLO", files: ["classes.txt": "a\nb\nc\n"])
nonisolated(unsafe) private let store = makeFuzzStore()

/// libFuzzer entry: imports a YOLO folder whose one label file is the input (odd sizes
/// strict, even sizes skip). A failure must be a `StoreError` that leaves no dataset; a
/// landed dataset must read back with the counts it reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYOLO(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  scratch.write(bytes, size, to: "image.txt")
  let options = ImportOptions(replace: true, policy: size % 2 == 0 ? .skip : .strict)
  checkImportOutcome(
    in: store,
    {
      _ = try YOLOImporter(path: scratch.url.path).importDataset(
        into: store, named: "fuzz", options: options)
    })
  return 0
}

#if FUZZING
  @_cdecl("FuzzYOLO_main")
  func fuzzYOLOMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) -> Int32 {
    FuzzDriver.libFuzzer(argc, argv, fuzzYOLO)
  }
#else
  @main enum FuzzYOLOMain {
    static func main() { FuzzDriver.run(fuzzYOLO) }
  }
#endif
