extension ImageHeader {
  /// BMP: after the 14-byte file header, a DIB header whose first 4 bytes give its size.
  /// A 12-byte `BITMAPCOREHEADER` holds unsigned 16-bit width and height; every larger
  /// header (`BITMAPINFOHEADER` 40, OS/2 2.x 16 or 64, V4 108, V5 124, ...) holds signed
  /// 32-bit ones, where a negative height means rows are stored top-down (the size is its
  /// magnitude, as in PIL).
  static func bmp(_ source: ByteSource) throws -> ImageHeader {
    let head = try source.read(at: 0, count: 26)
    guard head.count >= 18 else {
      throw FormatFailure("truncated BMP: the file ends before the DIB header size")
    }
    let headerSize = head.littleEndian(at: 14, width: 4)
    let width: Int
    let height: Int
    if headerSize == 12 {
      guard head.count >= 22 else {
        throw FormatFailure("truncated BMP: the file ends inside the BITMAPCOREHEADER")
      }
      width = head.littleEndian(at: 18, width: 2)
      height = head.littleEndian(at: 20, width: 2)
    } else if headerSize >= 16, headerSize <= 4096 {
      guard head.count >= 26 else {
        throw FormatFailure("truncated BMP: the file ends inside the DIB header")
      }
      width = Int(Int32(truncatingIfNeeded: UInt32(head.littleEndian(at: 18, width: 4))))
      let signedHeight = Int(Int32(truncatingIfNeeded: UInt32(head.littleEndian(at: 22, width: 4))))
      guard signedHeight != Int(Int32.min) else {
        throw FormatFailure("BMP: height -2^31 has no magnitude")
      }
      height = abs(signedHeight)
    } else {
      throw FormatFailure("BMP: DIB header size \(headerSize): expected 12, or 16 to 4096")
    }
    return ImageHeader(format: .bmp, storedSize: try size(width: width, height: height, .bmp))
  }
}
