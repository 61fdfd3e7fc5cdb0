extension ImageHeader {
  /// The most marker segments examined before the frame header; real files have a dozen.
  static let jpegMarkerLimit = 1024
  /// The most stray non-`FF` bytes skipped between segments (PIL and libjpeg skip such
  /// junk with a warning).
  static let jpegJunkLimit = 65_536

  /// JPEG: walks the marker segments from `SOI` to the first start-of-frame marker and
  /// reads its height and width (big-endian 16-bit, after the sample precision byte).
  ///
  /// Start-of-frame markers are `C0`...`CF` except `C4` (DHT), `C8` (JPG) and `CC` (DAC):
  /// baseline, extended, progressive, lossless, arithmetic and hierarchical frames all
  /// qualify. Fill bytes (repeated `FF`) before a marker are skipped, as are the
  /// parameterless markers `RST0`...`RST7` and `TEM`, and (like libjpeg and PIL) up to
  /// 64 KiB of stray bytes and stuffed `FF 00` pairs between segments. The first `APP1` segment that starts
  /// with `Exif\0\0` supplies the orientation (tag 0x0112 of IFD0); a malformed EXIF block
  /// yields no orientation rather than an error, as in Ultralytics and PIL.
  ///
  /// - Throws: when a scan (`SOS`) or the end of image comes before any frame header,
  ///   when a segment length is below 2, when the frame declares height 0 (height set
  ///   later by a `DNL` marker, unsupported) or width 0, or when the file is truncated.
  static func jpeg(_ source: ByteSource) throws -> ImageHeader {
    var cursor = ByteCursor(source)
    cursor.skip(2)  // SOI
    var orientation: Int?
    var sawExif = false
    var junk = 0
    for _ in 0..<jpegMarkerLimit {
      // Find the next FF, skipping junk, then skip fill bytes.
      var byte = try cursor.next()
      while let b = byte, b != 0xFF {
        junk += 1
        guard junk <= jpegJunkLimit else {
          throw FormatFailure("JPEG: more than \(jpegJunkLimit) stray bytes between segments")
        }
        byte = try cursor.next()
      }
      var marker = try cursor.next()
      while marker == 0xFF { marker = try cursor.next() }
      guard byte != nil, let marker else {
        throw FormatFailure("truncated JPEG: the file ends before a frame header (SOF)")
      }
      let at = cursor.offset - 2
      switch marker {
      case 0x00:
        // A stuffed FF 00 outside a scan is junk too (libjpeg and PIL discard it).
        junk += 2
        guard junk <= jpegJunkLimit else {
          throw FormatFailure("JPEG: more than \(jpegJunkLimit) stray bytes between segments")
        }
        continue
      case 0x01, 0xD0...0xD7:
        continue  // TEM, RSTn: no length
      case 0xD8:
        throw FormatFailure("JPEG: a second SOI marker at byte \(at) before any frame header")
      case 0xD9:
        throw FormatFailure("JPEG: end of image at byte \(at) before any frame header (SOF)")
      case 0xDA:
        throw FormatFailure("JPEG: a scan (SOS) at byte \(at) before any frame header (SOF)")
      default:
        break
      }
      let length = try cursor.take(2, "the length of marker FF \(hex(marker))").bigEndian(
        at: 0, width: 2)
      guard length >= 2 else {
        throw FormatFailure("JPEG: marker FF \(hex(marker)) at byte \(at) has length \(length) < 2")
      }
      if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
        guard length >= 8 else {
          throw FormatFailure("JPEG: frame header FF \(hex(marker)) has length \(length) < 8")
        }
        let frame = try cursor.take(5, "the frame header FF \(hex(marker))")
        let height = frame.bigEndian(at: 1, width: 2)
        let width = frame.bigEndian(at: 3, width: 2)
        if height == 0 {
          throw FormatFailure(
            "JPEG: frame height 0 (defined later by a DNL marker) is not supported")
        }
        return ImageHeader(
          format: .jpeg, storedSize: try size(width: width, height: height, .jpeg),
          orientation: orientation)
      }
      if marker == 0xE1, !sawExif, length >= 8 {
        let payload = try cursor.take(length - 2, "an APP1 segment")
        if payload.starts(with: Array("Exif".utf8) + [0, 0]) {
          sawExif = true
          orientation = exifOrientation(Array(payload.dropFirst(6)))
        }
      } else {
        cursor.skip(length - 2)
      }
    }
    throw FormatFailure("JPEG: no frame header among the first \(jpegMarkerLimit) markers")
  }

  /// The orientation (1...8) in the IFD0 of a TIFF-structured EXIF block, or `nil`.
  static func exifOrientation(_ tiff: [UInt8]) -> Int? {
    guard tiff.count >= 8 else { return nil }
    let little: Bool
    switch (tiff[0], tiff[1]) {
    case (0x49, 0x49): little = true
    case (0x4D, 0x4D): little = false
    default: return nil
    }
    func read(_ at: Int, _ width: Int) -> Int? {
      guard at >= 0, at + width <= tiff.count else { return nil }
      return little ? tiff.littleEndian(at: at, width: width) : tiff.bigEndian(at: at, width: width)
    }
    guard read(2, 2) == 42, let ifd = read(4, 4), let count = read(ifd, 2) else { return nil }
    for entry in 0..<count {
      let at = ifd + 2 + 12 * entry
      guard let tag = read(at, 2), let type = read(at + 2, 2) else { return nil }
      if tag == 0x0112 {
        // SHORT (3) stored in the first two bytes of the value field.
        guard type == 3, let value = read(at + 8, 2), (1...8).contains(value) else { return nil }
        return value
      }
    }
    return nil
  }

  private static func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return byte < 16 ? "0" + digits : digits
  }
}
