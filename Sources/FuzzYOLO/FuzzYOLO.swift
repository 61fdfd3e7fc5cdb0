import DetStore
import Foundation
import FuzzStoreSupport
import FuzzSupport

/// A flat YOLO folder: a 4 x 3 PNG, three class names, and the label file under test.
private let scratch: FuzzScratch = {
  let scratch = FuzzScratch("FuzzYOLO")
  let png: [UInt8] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x08, 0x02, 0x00, 0x00, 0x00, 0x3B,
    0x96, 0x39, 0x91,
  ]
  scratch.write(png, png.count, to: "image.png")
  let names = Array("a\nb\nc\n".utf8)
  scratch.write(names, names.count, to: "classes.txt")
  return scratch
}()
nonisolated(unsafe) private let store = makeFuzzStore()

/// libFuzzer entry: imports a YOLO folder whose one label file is the input (odd sizes
/// strict, even sizes skip). A failure must be a `StoreError` that leaves no dataset; a
/// landed dataset must read back with the counts it reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYOLO(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  scratch.write(bytes, size, to: "image.txt")
  let options = ImportOptions(replace: true, policy: size % 2 == 0 ? .skip : .strict)
  checkImportOutcome(in: store, {
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
