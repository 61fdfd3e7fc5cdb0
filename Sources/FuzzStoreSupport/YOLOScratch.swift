import FuzzSupport

/// The flat YOLO folder both YOLO harnesses start from: `image.png`, the header of a 4 x 3
/// PNG (all a YOLO import reads of an image), plus `files` (name to text), written once.
public func makeYOLOScratch(_ harness: String, files: [String: String]) -> FuzzScratch {
  let scratch = FuzzScratch(harness)
  let png: [UInt8] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x08, 0x02, 0x00, 0x00, 0x00, 0x3B,
    0x96, 0x39, 0x91,
  ]
  scratch.write(png, png.count, to: "image.png")
  for (name, text) in files {
    let bytes = Array(text.utf8)
    scratch.write(bytes, bytes.count, to: name)
  }
  return scratch
}
