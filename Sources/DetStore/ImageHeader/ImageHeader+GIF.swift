extension ImageHeader {
  /// GIF: the logical screen width and height, little-endian 16-bit at bytes 6 and 8
  /// (what PIL reports as the size of a GIF).
  static func gif(_ head: [UInt8]) throws -> ImageHeader {
    guard head.count >= 10 else {
      throw FormatFailure("truncated GIF: the file ends inside the logical screen descriptor")
    }
    let width = head.littleEndian(at: 6, width: 2)
    let height = head.littleEndian(at: 8, width: 2)
    return ImageHeader(format: .gif, storedSize: try size(width: width, height: height, .gif))
  }
}
