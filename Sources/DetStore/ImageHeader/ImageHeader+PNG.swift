extension ImageHeader {
  /// PNG: the first chunk after the 8-byte signature must be `IHDR` (length 13), holding
  /// width and height as big-endian 32-bit integers (PNG spec 11.2.2).
  static func png(_ head: [UInt8]) throws -> ImageHeader {
    guard head.count >= 24 else {
      throw FormatFailure(
        "truncated PNG: the file ends before the IHDR chunk (\(head.count) bytes)")
    }
    guard Array(head[12..<16]) == Array("IHDR".utf8) else {
      throw FormatFailure("PNG: the first chunk is not IHDR")
    }
    let width = head.bigEndian(at: 16, width: 4)
    let height = head.bigEndian(at: 20, width: 4)
    // The spec limits both to 2^31 - 1.
    guard width <= Int(Int32.max), height <= Int(Int32.max) else {
      throw FormatFailure("PNG: IHDR size \(width)x\(height) exceeds 2^31-1")
    }
    return ImageHeader(format: .png, storedSize: try size(width: width, height: height, .png))
  }
}
