import Foundation

/// A folder an exporter writes into, which no stored name can make it leave.
///
/// Stored file names are data from other people's datasets: ``sanitizedComponents(_:)``
/// turns `../../x`, `/abs/path`, `C:\dir\x` or `a/./b` into plain relative components, and
/// ``write(_:to:)`` refuses to write through a symbolic link (a pre-existing link in the
/// output folder could otherwise redirect a write).
struct OutputFolder {
  let url: URL
  /// Relative paths written so far, to catch two records mapping to one file.
  private var written: [String: String] = [:]

  /// Creates the folder (and its parents) when missing.
  ///
  /// - Throws: `StoreError` `.io` when `url` exists and is not a folder, or cannot be made.
  init(_ url: URL) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw StoreError(
          .io, "exists and is not a folder", location: SourceLocation(file: url.path))
      }
    } else {
      do {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
      } catch {
        throw StoreError(
          .io, "cannot create folder: \(error.localizedDescription)",
          location: SourceLocation(file: url.path))
      }
    }
    self.url = url.standardizedFileURL
  }

  /// The path components of a stored name that are safe to join under a folder: split at
  /// `/` and `\`, dropping empty, `.` and `..` components, a drive prefix (`C:`) and NUL
  /// characters. Empty when nothing is left.
  ///
  /// - Complexity: O(n) in the length of `name`.
  static func sanitizedComponents(_ name: String) -> [String] {
    var parts = name.split(omittingEmptySubsequences: true) { $0 == "/" || $0 == "\\" }
      .map { $0.replacingOccurrences(of: "\u{0}", with: "") }
      .filter { !$0.isEmpty && $0 != "." && $0 != ".." }
    if let first = parts.first, first.count == 2, first.hasSuffix(":") { parts.removeFirst() }
    return parts
  }

  /// Where an exporter writes an image's per-image file: the sanitized folders of its
  /// stored file name, the file name itself, and its stem (the name without extension, or
  /// the whole name when that would leave nothing). An image whose name sanitizes to
  /// nothing is `image_<id>.jpg`.
  ///
  /// - Complexity: O(n) in the length of the file name.
  static func exportName(of image: ImageRecord) -> (
    folders: [String], fileName: String, stem: String
  ) {
    var parts = sanitizedComponents(image.fileName)
    if parts.isEmpty { parts = ["image_\(image.id).jpg"] }
    let fileName = parts.removeLast()
    let stem = (fileName as NSString).deletingPathExtension
    return (parts, fileName, stem.isEmpty ? fileName : stem)
  }

  /// Writes `data` at `components` under the folder, creating folders as needed.
  ///
  /// - Parameter owner: who wants the file (for the collision message, e.g. `image 7`).
  /// - Throws: `StoreError` `.io` when a folder or the file on the way is a symbolic link,
  ///   when another record already wrote that file, or when writing fails.
  mutating func write(_ data: Data, to components: [String], owner: String) throws {
    let file = try prepare(components, owner: owner)
    try refuseSymlink(file)
    do {
      try data.write(to: file)
    } catch {
      throw StoreError(
        .io, "cannot write: \(error.localizedDescription)",
        location: SourceLocation(file: file.path))
    }
  }

  /// Puts the file `source` at `components` under the folder, as a symbolic link to its
  /// absolute path (`link`) or a copy (`copy`), replacing what an earlier export put there
  /// (a link is replaced, never followed).
  ///
  /// - Throws: `StoreError` `.io` as ``write(_:to:owner:)``, or when linking or copying fails.
  mutating func place(_ source: URL, at components: [String], owner: String, linking: Bool)
    throws
  {
    let file = try prepare(components, owner: owner)
    var info = stat()
    if lstat(file.path, &info) == 0 {
      guard (info.st_mode & S_IFMT) == S_IFLNK || (info.st_mode & S_IFMT) == S_IFREG else {
        throw StoreError(
          .io, "exists and is not a file", location: SourceLocation(file: file.path))
      }
      unlink(file.path)
    }
    do {
      if linking {
        try FileManager.default.createSymbolicLink(
          atPath: file.path, withDestinationPath: source.standardizedFileURL.path)
      } else {
        try FileManager.default.copyItem(at: source, to: file)
      }
    } catch {
      throw StoreError(
        .io, "cannot \(linking ? "link" : "copy") \(source.path): \(error.localizedDescription)",
        location: SourceLocation(file: file.path))
    }
  }

  /// Checks `components` (unsanitised paths are a programming error), claims it for
  /// `owner`, and creates the folders on the way.
  private mutating func prepare(_ components: [String], owner: String) throws -> URL {
    precondition(
      !components.isEmpty && !components.contains(".."), "unsanitised output path \(components)")
    let relative = components.joined(separator: "/")
    if let other = written[relative] {
      throw StoreError(
        .io, "\(owner) and \(other) both export to \(relative); rename one",
        location: SourceLocation(file: url.appendingPathComponent(relative).path))
    }
    written[relative] = owner
    var folder = url
    for component in components.dropLast() {
      folder.appendPathComponent(component)
      try refuseSymlink(folder)
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else {
          throw StoreError(
            .io, "exists and is not a folder", location: SourceLocation(file: folder.path))
        }
      } else {
        do {
          try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        } catch {
          throw StoreError(
            .io, "cannot create folder: \(error.localizedDescription)",
            location: SourceLocation(file: folder.path))
        }
      }
    }
    return folder.appendingPathComponent(components.last!)
  }

  private func refuseSymlink(_ url: URL) throws {
    let values = try? url.resourceValues(forKeys: [.isSymbolicLinkKey])
    if values?.isSymbolicLink == true {
      throw StoreError(
        .io, "refused: a symbolic link inside the output folder",
        location: SourceLocation(file: url.path))
    }
  }
}
