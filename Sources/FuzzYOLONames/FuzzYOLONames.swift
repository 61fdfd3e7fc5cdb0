import DetStore
import Foundation
import FuzzStoreSupport
import FuzzSupport

/// A flat YOLO folder: a 4 x 3 PNG, its label file, and the class-name YAML under test.
private let scratch: FuzzScratch = {
  let scratch = FuzzScratch("FuzzYOLONames")
  let png: [UInt8] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x08, 0x02, 0x00, 0x00, 0x00, 0x3B,
    0x96, 0x39, 0x91,
  ]
  scratch.write(png, png.count, to: "image.png")
  let label = Array("2 0.5 0.5 0.25 0.5\n".utf8)
  scratch.write(label, label.count, to: "image.txt")
  return scratch
}()
nonisolated(unsafe) private let store = makeFuzzStore()

/// libFuzzer entry: imports a YOLO folder whose class-name YAML is the input (odd sizes
/// strict, even sizes skip). A failure must be a `StoreError` that leaves no dataset; a
/// landed dataset must read back with the counts it reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYOLONames(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let names = scratch.write(bytes, size, to: "names.yaml")
  let options = ImportOptions(replace: true, policy: size % 2 == 0 ? .skip : .strict)
  checkImportOutcome(in: store, {
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
