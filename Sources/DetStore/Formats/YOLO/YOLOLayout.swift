import Foundation

/// Where a YOLO dataset's labels, images and class names are (see ``YOLOImporter`` for the
/// rules), and which label goes with which image.
struct YOLOLayout {
  /// One image and/or label file, paired by `key` (the path relative to its folder,
  /// without extension).
  struct Entry {
    var key: String
    var image: URL?
    /// The image's path relative to the images folder (its stored file name).
    var imageName: String
    var label: URL?
  }

  /// The dataset folder (label files are read through it).
  var root: ImportFolder
  var names: [String]
  var namesSource: URL
  /// Every key, sorted by byte order.
  var entries: [Entry]

  /// Files in a flat folder that are not label files.
  static let notLabels: Set<String> = [
    "classes.txt", "names.txt", "train.txt", "val.txt", "valid.txt", "test.txt",
  ]

  /// - Parameter followLinks: list image files that are symbolic links to regular files
  ///   outside the images folder (label and names files must still stay inside the dataset).
  init(source: URL, imagesDirectory: URL?, namesFile: URL?, followLinks: Bool = false) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
      throw StoreError(.io, "no such file or folder", location: SourceLocation(file: source.path))
    }
    let yamlSource = isDirectory.boolValue ? nil : source
    let rootURL = isDirectory.boolValue ? source : source.deletingLastPathComponent()
    let root = try ImportFolder(rootURL)
    (names, namesSource) = try Self.names(root: root, yaml: yamlSource, explicit: namesFile)
    self.root = root

    // Label folders and the images folder.
    let fm = FileManager.default
    func isFolder(_ url: URL) -> Bool {
      var dir: ObjCBool = false
      return fm.fileExists(atPath: url.path, isDirectory: &dir) && dir.boolValue
    }
    var labelRoots: [URL] = []
    var recursive = false
    var defaultImages: URL
    if isFolder(root.url.appendingPathComponent("labels")) {
      labelRoots = [root.url.appendingPathComponent("labels")]
      recursive = true
      defaultImages = root.url.appendingPathComponent("images")
    } else {
      let darknet =
        (try? fm.contentsOfDirectory(atPath: root.url.path))?
        .filter {
          $0.hasPrefix("obj_") && $0.hasSuffix("_data")
            && isFolder(root.url.appendingPathComponent($0))
        }
        .sorted() ?? []
      labelRoots =
        darknet.isEmpty ? [root.url] : darknet.map { root.url.appendingPathComponent($0) }
      defaultImages = labelRoots.count == 1 ? labelRoots[0] : root.url
      recursive = false
    }
    let imagesRoot = imagesDirectory ?? defaultImages
    guard isFolder(imagesRoot) else {
      throw StoreError(
        .io,
        "no images folder: expected \(imagesRoot.lastPathComponent)/ here, or pass the images folder (--images DIR)",
        location: SourceLocation(file: imagesRoot.path))
    }
    // The images folder may be a symbolic link (datasets often link a shared image tree):
    // when it resolves outside the dataset folder, the folder it resolves to is the tree its
    // image files must stay inside; links out of that tree are still refused.
    let imagesFolder =
      imagesDirectory == nil && root.contains(imagesRoot) ? root : try ImportFolder(imagesRoot)

    var labels: [String: URL] = [:]
    for labelRoot in labelRoots {
      for file in try root.files(in: labelRoot, extensions: ["txt"], recursive: recursive) {
        let relative = ImportFolder.relativePath(of: file, under: labelRoot)
        if !recursive, labelRoot == root.url, Self.notLabels.contains(relative.lowercased()) {
          continue
        }
        labels[Self.key(relative)] = file
      }
    }
    // Images sit beside labels in the flat and darknet layouts (and in the labels folders
    // themselves); a separate images folder is searched recursively.
    var images: [String: (url: URL, name: String)] = [:]
    let imageRoots = imagesDirectory == nil && labelRoots.count > 1 ? labelRoots : [imagesRoot]
    for imageRoot in imageRoots {
      let deep = imagesDirectory != nil || recursive
      for file in try imagesFolder.files(
        in: imageRoot, extensions: ImageHeader.fileExtensions, recursive: deep,
        linksOut: followLinks ? .follow : .refuse(option: "--follow-links"))
      {
        let relative = ImportFolder.relativePath(of: file, under: imageRoot)
        let key = Self.key(relative)
        if let other = images[key] {
          throw StoreError(
            .malformedInput,
            "two images for one label: \(other.name) and \(relative); keep one or pass the images folder (--images DIR)",
            location: SourceLocation(file: file.path))
        }
        images[key] = (file, relative)
      }
    }
    guard !images.isEmpty else {
      throw StoreError(
        .io,
        "no images (\(ImageHeader.fileExtensions.sorted().joined(separator: ", "))) found; pass the folder that holds them (--images DIR)",
        location: SourceLocation(file: imagesRoot.path))
    }
    let keys = Set(labels.keys).union(images.keys).sorted {
      $0.utf8.lexicographicallyPrecedes($1.utf8)
    }
    entries = keys.map { key in
      Entry(
        key: key, image: images[key]?.url, imageName: images[key]?.name ?? key, label: labels[key])
    }
  }

  /// `relative` without its extension.
  static func key(_ relative: String) -> String {
    guard let dot = relative.lastIndex(of: "."), !relative[dot...].contains("/") else {
      return relative
    }
    return String(relative[..<dot])
  }

  /// The class names and the file they came from.
  private static func names(root: ImportFolder, yaml: URL?, explicit: URL?) throws -> (
    [String], URL
  ) {
    func load(_ url: URL, folder: ImportFolder) throws -> [String] {
      let bytes = try folder.read(url, limit: YOLOImporter.fileSizeLimit)
      do {
        if ["yaml", "yml"].contains(url.pathExtension.lowercased()) {
          guard let names = try YOLOClassNames.parse(yaml: bytes) else {
            throw StoreError(
              .malformedInput, "no top-level names: key", location: SourceLocation(file: url.path))
          }
          return names
        }
        return try YOLOClassNames.parse(text: bytes)
      } catch let failure as FormatFailure {
        throw failure.storeError(file: url.path)
      }
    }
    func checked(_ names: [String], _ url: URL) throws -> ([String], URL) {
      guard !names.isEmpty else {
        throw StoreError(
          .malformedInput, "the class-name list is empty", location: SourceLocation(file: url.path))
      }
      return (names, url)
    }
    if let explicit {
      return try checked(
        load(explicit, folder: try ImportFolder(explicit.deletingLastPathComponent())), explicit)
    }
    if let yaml { return try checked(load(yaml, folder: root), yaml) }
    let yamls = try root.files(in: root.url, extensions: ["yaml", "yml"], recursive: false)
    var withNames: [(URL, [String])] = []
    for url in yamls {
      let bytes = try root.read(url, limit: YOLOImporter.fileSizeLimit)
      do {
        if let names = try YOLOClassNames.parse(yaml: bytes) { withNames.append((url, names)) }
      } catch let failure as FormatFailure {
        throw failure.storeError(file: url.path)
      }
    }
    if withNames.count > 1 {
      throw StoreError(
        .malformedInput,
        "several YAML files name classes (\(withNames.map(\.0.lastPathComponent).joined(separator: ", "))); pass the names file (--names FILE)",
        location: SourceLocation(file: root.url.path))
    }
    if let (url, names) = withNames.first { return try checked(names, url) }
    for candidate in ["names.txt", "classes.txt", "obj.names"] {
      let url = root.url.appendingPathComponent(candidate)
      if FileManager.default.fileExists(atPath: url.path) {
        return try checked(load(url, folder: root), url)
      }
    }
    throw StoreError(
      .malformedInput,
      "no class names: expected a dataset YAML with names:, names.txt, classes.txt or obj.names, or pass the names file (--names FILE)",
      location: SourceLocation(file: root.url.path))
  }
}
