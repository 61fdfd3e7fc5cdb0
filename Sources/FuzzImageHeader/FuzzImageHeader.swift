import DetStore
import Foundation
import FuzzSupport

/// libFuzzer entry: reads the input as an image header (PNG, JPEG with EXIF, GIF, BMP,
/// WebP). It must throw a `StoreError` or give a header; nothing else.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImageHeader(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let input = bytes.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  do {
    let header = try ImageHeader(bytes: input)
    _ = header.orientedSize
  } catch is StoreError {
  } catch {
    preconditionFailure("not a StoreError: \(error)")
  }
  return 0
}

#if FUZZING
  @_cdecl("FuzzImageHeader_main")
  func fuzzImageHeaderMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) -> Int32 {
    FuzzDriver.libFuzzer(argc, argv, fuzzImageHeader)
  }
#else
  @main enum FuzzImageHeaderMain {
    static func main() { FuzzDriver.run(fuzzImageHeader) }
  }
#endif
