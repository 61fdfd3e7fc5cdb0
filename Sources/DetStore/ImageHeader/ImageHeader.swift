import DetGeometry
import Foundation

/// The format and pixel size of an image file, read from its header without decoding
/// any pixels.
///
/// Supported: PNG (`IHDR`), JPEG (baseline, extended, progressive and lossless `SOF`
/// markers, with the EXIF orientation from an `APP1` segment), BMP (core and info
/// headers, negative height = top-down rows), GIF (logical screen) and WebP (`VP8 `,
/// `VP8L`, `VP8X`).
///
/// Two sizes are reported, because tools disagree:
/// - ``storedSize`` is the size of the pixel grid as stored, what PIL's `Image.size`
///   returns (PIL ignores the EXIF orientation).
/// - ``orientedSize`` is the size as displayed: width and height swap for EXIF
///   orientations 5 to 8 (the transposing ones). OpenCV's `imread`, which Ultralytics
///   uses to load training images, applies the orientation, so YOLO labels are
///   normalised by this size; the YOLO importer uses it. (Ultralytics' own `exif_size`
///   check swaps only for 6 and 8; 5 and 7, the mirrored transposes, are rare.)
package struct ImageHeader: Hashable, Sendable {
  /// The container format.
  package enum Format: String, Sendable, CaseIterable {
    case png, jpeg, bmp, gif, webp
  }

  /// The container format.
  package var format: Format
  /// The stored pixel grid, ignoring EXIF orientation (PIL's `Image.size`).
  package var storedSize: ImageSize
  /// The EXIF orientation tag (1...8) of a JPEG, or `nil` when absent, out of range or
  /// the EXIF block is unreadable. Other formats always report `nil`.
  package var orientation: Int?

  /// Creates a header record.
  package init(format: Format, storedSize: ImageSize, orientation: Int? = nil) {
    self.format = format
    self.storedSize = storedSize
    self.orientation = orientation
  }

  /// The displayed size: ``storedSize`` with width and height swapped when
  /// ``orientation`` is 5, 6, 7 or 8.
  package var orientedSize: ImageSize {
    guard let orientation, (5...8).contains(orientation) else { return storedSize }
    return ImageSize(height: storedSize.width, width: storedSize.height)
  }
}

extension ImageHeader {
  /// File name extensions (lower case) the YOLO importer treats as images.
  package static let fileExtensions: Set<String> = [
    "png", "jpg", "jpeg", "jpe", "jfif", "bmp", "dib", "gif", "webp",
  ]

  /// Reads the header of the image in `bytes`.
  ///
  /// The format is recognised by its signature, not by a file name.
  ///
  /// - Throws: a failure saying what was expected when the bytes are not a supported
  ///   image, are truncated before the size, or declare a zero or negative size.
  /// - Complexity: O(1) for PNG, BMP, GIF and WebP; JPEG walks the marker segments
  ///   before the frame header (reading a 64 KiB EXIF segment at most).
  init(parsing bytes: [UInt8]) throws {
    try self.init(source: .memory(bytes))
  }

  init(source: ByteSource) throws {
    let head = try source.read(at: 0, count: 32)
    if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
      self = try Self.png(head)
    } else if head.starts(with: [0xFF, 0xD8]) {
      self = try Self.jpeg(source)
    } else if head.starts(with: Array("BM".utf8)) {
      self = try Self.bmp(source)
    } else if head.starts(with: Array("GIF87a".utf8)) || head.starts(with: Array("GIF89a".utf8)) {
      self = try Self.gif(head)
    } else if head.count >= 12, head.starts(with: Array("RIFF".utf8)),
      Array(head[8..<12]) == Array("WEBP".utf8)
    {
      self = try Self.webp(head)
    } else if head.isEmpty {
      throw FormatFailure("empty file: expected an image (PNG, JPEG, BMP, GIF or WebP)")
    } else {
      let shown = head.prefix(8).map { String(format: "%02X", $0) }.joined(separator: " ")
      throw FormatFailure(
        "unrecognised image signature \(shown): expected PNG, JPEG, BMP, GIF or WebP")
    }
  }

  /// Checks that a declared size is positive and returns it.
  static func size(width: Int, height: Int, _ format: Format) throws -> ImageSize {
    guard width > 0, height > 0 else {
      throw FormatFailure(
        "\(format.rawValue) header declares size \(width)x\(height) (WxH): "
          + "expected positive width and height")
    }
    return ImageSize(height: height, width: width)
  }
}
