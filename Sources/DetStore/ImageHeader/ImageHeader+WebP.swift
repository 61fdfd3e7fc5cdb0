extension ImageHeader {
  /// WebP (RIFF container): the first chunk decides the layout.
  /// - `VP8 ` (lossy): after the 3-byte frame tag and the start code `9D 01 2A`, 14-bit
  ///   little-endian width and height (the top 2 bits are a scale hint, ignored).
  /// - `VP8L` (lossless): signature byte `2F`, then width-1 and height-1 in 14 bits each.
  /// - `VP8X` (extended): canvas width-1 and height-1 as 24-bit little-endian integers.
  static func webp(_ head: [UInt8]) throws -> ImageHeader {
    guard head.count >= 16 else {
      throw FormatFailure("truncated WebP: the file ends before the first chunk")
    }
    let chunk = String(decoding: head[12..<16], as: UTF8.self)
    func need(_ count: Int) throws {
      guard head.count >= count else {
        throw FormatFailure("truncated WebP: the file ends inside the '\(chunk)' chunk header")
      }
    }
    let width: Int
    let height: Int
    switch chunk {
    case "VP8 ":
      try need(30)
      guard Array(head[23..<26]) == [0x9D, 0x01, 0x2A] else {
        throw FormatFailure("WebP VP8: missing key-frame start code 9D 01 2A")
      }
      width = head.littleEndian(at: 26, width: 2) & 0x3FFF
      height = head.littleEndian(at: 28, width: 2) & 0x3FFF
    case "VP8L":
      try need(25)
      guard head[20] == 0x2F else {
        throw FormatFailure("WebP VP8L: missing signature byte 2F")
      }
      let bits = head.littleEndian(at: 21, width: 4)
      width = (bits & 0x3FFF) + 1
      height = ((bits >> 14) & 0x3FFF) + 1
    case "VP8X":
      try need(30)
      width = head.littleEndian(at: 24, width: 3) + 1
      height = head.littleEndian(at: 27, width: 3) + 1
    default:
      throw FormatFailure("WebP: first chunk '\(chunk)': expected 'VP8 ', 'VP8L' or 'VP8X'")
    }
    return ImageHeader(format: .webp, storedSize: try size(width: width, height: height, .webp))
  }
}
