import Foundation

/// A folder an importer reads from, with the rules that keep a crafted dataset from making
/// detkit read elsewhere:
/// - a symbolic link to a file is followed only when its target lies inside the folder, or,
///   where the caller allows it (``LinksOut/follow``), when it is a regular file anywhere
///   (image files linked from a shared tree, as `export yolo --copy-images link` writes);
/// - a symbolic link to a folder met while listing is refused (pass the real folder
///   instead), which also rules out link cycles; the folder itself may be a link, and then
///   the folder it resolves to is the tree files must stay inside;
/// - only regular files are read (never FIFOs, sockets or devices), each up to a size cap.
///
/// Files are listed in byte order of their relative paths, so imports are deterministic.
struct ImportFolder {
  /// The folder as the user named it (used in messages and locations).
  let url: URL
  /// The folder with symbolic links resolved (used for containment checks).
  let resolved: URL

  /// The deepest folder nesting listed recursively.
  static let depthLimit = 32

  /// - Throws: `StoreError` `.io` when `url` is not an existing folder.
  init(_ url: URL) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw StoreError(.io, "no such folder", location: SourceLocation(file: url.path))
    }
    self.url = url.standardizedFileURL
    self.resolved = url.standardizedFileURL.resolvingSymlinksInPath()
  }

  /// What listing does with a symbolic link to a file outside the folder.
  enum LinksOut {
    /// Refuse it, naming `option` in the message when the caller has an option that follows
    /// such links (for example `--follow-links`).
    case refuse(option: String?)
    /// List it when its target is a regular file.
    case follow
  }

  /// The regular files under `folder` (inside this one) whose lower-cased extension is in
  /// `extensions`, sorted by relative path; recursive when `recursive`.
  ///
  /// - Throws: `StoreError` `.io` for a symbolic link leaving the folder (unless `linksOut`
  ///   is `.follow` and it names a regular file), a symbolic link to a folder, or an
  ///   unreadable folder.
  func files(
    in folder: URL, extensions: Set<String>, recursive: Bool,
    linksOut: LinksOut = .refuse(option: nil)
  ) throws -> [URL] {
    var found: [URL] = []
    try collect(
      folder, extensions: extensions, recursive: recursive, linksOut: linksOut, depth: 0,
      into: &found)
    return found.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
  }

  private func collect(
    _ folder: URL, extensions: Set<String>, recursive: Bool, linksOut: LinksOut, depth: Int,
    into found: inout [URL]
  ) throws {
    guard depth <= Self.depthLimit else {
      throw StoreError(
        .io, "folders nested deeper than \(Self.depthLimit)",
        location: SourceLocation(file: folder.path))
    }
    let entries: [URL]
    do {
      // Listed through the resolved path: Foundation lists a symbolic link to a folder (a
      // linked images folder, or the dataset folder named through a link) as empty.
      entries = try FileManager.default.contentsOfDirectory(
        atPath: folder.resolvingSymlinksInPath().path
      ).map { folder.appendingPathComponent($0) }
    } catch {
      throw StoreError(
        .io, "cannot list folder: \(error.localizedDescription)",
        location: SourceLocation(file: folder.path))
    }
    for entry in entries {
      let values = try? entry.resourceValues(forKeys: [
        .isSymbolicLinkKey, .isDirectoryKey, .isRegularFileKey,
      ])
      if values?.isSymbolicLink == true {
        let target = entry.resolvingSymlinksInPath()
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory)
        if exists, isDirectory.boolValue {
          guard recursive else { continue }
          throw StoreError(
            .io,
            "refused: a symbolic link to a folder (\(target.path)); pass the real folder instead",
            location: SourceLocation(file: entry.path))
        }
        guard extensions.contains(entry.pathExtension.lowercased()) else { continue }
        switch linksOut {
        case _ where contains(target): break
        case .follow:
          guard exists else {
            throw StoreError(
              .io, "a symbolic link to \(target.path), which does not exist",
              location: SourceLocation(file: entry.path))
          }
          guard (try? target.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true
          else {
            throw StoreError(
              .io, "refused: a symbolic link to \(target.path), which is not a regular file",
              location: SourceLocation(file: entry.path))
          }
        case .refuse(let option):
          throw StoreError(
            .io,
            "refused: a symbolic link to \(target.path), outside \(url.path)"
              + (option.map { "; pass \($0) to read linked files" } ?? ""),
            location: SourceLocation(file: entry.path))
        }
        found.append(entry)
      } else if values?.isDirectory == true {
        if recursive {
          try collect(
            entry, extensions: extensions, recursive: true, linksOut: linksOut, depth: depth + 1,
            into: &found)
        }
      } else if values?.isRegularFile == true, extensions.contains(entry.pathExtension.lowercased())
      {
        found.append(entry)
      }
    }
  }

  /// True when `target` (symbolic links resolved) is this folder or inside it.
  func contains(_ target: URL) -> Bool {
    let path = target.standardizedFileURL.resolvingSymlinksInPath().path
    let root = resolved.path
    return path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
  }

  /// `file`'s path relative to `base` (which must contain it), with `/` separators.
  static func relativePath(of file: URL, under base: URL) -> String {
    let basePath = base.standardizedFileURL.path
    let path = file.standardizedFileURL.path
    precondition(path.hasPrefix(basePath), "\(path) is not under \(basePath)")
    return String(path.dropFirst(basePath.count).drop { $0 == "/" })
  }

  /// The bytes of the regular file `file`, at most `limit` of them.
  ///
  /// - Throws: `StoreError` `.io` when the file is not a regular file inside this folder, is
  ///   larger than `limit`, or cannot be read.
  func read(_ file: URL, limit: Int) throws -> [UInt8] {
    let location = SourceLocation(file: file.path)
    guard contains(file) else {
      throw StoreError(.io, "refused: resolves outside \(url.path)", location: location)
    }
    let values = try? file.resolvingSymlinksInPath().resourceValues(forKeys: [
      .isRegularFileKey, .fileSizeKey,
    ])
    guard values?.isRegularFile == true else {
      throw StoreError(.io, "not a regular file", location: location)
    }
    if let size = values?.fileSize, size > limit {
      throw StoreError(
        .io, "file is \(size) bytes: more than the \(limit)-byte limit", location: location)
    }
    do {
      let data = try Data(contentsOf: file)
      guard data.count <= limit else {
        throw StoreError(.io, "file grew beyond the \(limit)-byte limit", location: location)
      }
      return [UInt8](data)
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError(.io, "cannot read: \(error.localizedDescription)", location: location)
    }
  }
}
