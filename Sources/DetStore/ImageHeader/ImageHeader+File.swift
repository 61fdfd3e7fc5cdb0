import Foundation

extension ImageHeader {
  /// Reads the header of the image file at `url` without decoding pixels.
  ///
  /// Opens the file, reads the first 32 bytes and, for JPEG, the marker segments up to
  /// the frame header (skipping their payloads by seeking; an EXIF segment is read, 64 KiB
  /// at most). Only regular files are opened (a FIFO or device would block or never end);
  /// a symbolic link is judged by its target.
  ///
  /// - Throws: `StoreError` `.io` when the file cannot be opened or is not a regular file;
  ///   `.malformedInput` naming the file and what was expected when it is not a supported
  ///   image or is truncated before its size.
  /// - Complexity: O(1) reads for PNG, BMP, GIF, WebP; O(markers) for JPEG.
  package static func read(contentsOf url: URL) throws -> ImageHeader {
    let values = try? url.resolvingSymlinksInPath().resourceValues(forKeys: [.isRegularFileKey])
    guard values?.isRegularFile == true else {
      throw StoreError(.io, "not a regular file", location: SourceLocation(file: url.path))
    }
    let handle: FileHandle
    do {
      handle = try FileHandle(forReadingFrom: url)
    } catch {
      throw StoreError(
        .io, "cannot open: \(error.localizedDescription)", location: SourceLocation(file: url.path))
    }
    defer { try? handle.close() }
    do {
      return try ImageHeader(source: .file(handle))
    } catch let failure as FormatFailure {
      throw failure.storeError(file: url.path)
    } catch {
      throw StoreError(
        .io, "read failed: \(error.localizedDescription)", location: SourceLocation(file: url.path))
    }
  }

  /// Reads the header of an image held in memory.
  ///
  /// - Throws: `StoreError` `.malformedInput` (file `<memory>`) when the bytes are not a
  ///   supported image or are truncated before its size.
  /// - Complexity: as ``read(contentsOf:)``.
  package init(bytes: [UInt8]) throws {
    do {
      try self.init(parsing: bytes)
    } catch let failure as FormatFailure {
      throw failure.storeError(file: "<memory>")
    }
  }
}
