import Foundation

extension VOCAnnotation {
  /// The result of reading one VOC file: the annotation with its well-formed objects, and
  /// one failure for each `<object>` that had to be left out.
  struct Parsed {
    var annotation: VOCAnnotation
    /// Every `<object>` in document order: an index into `annotation.objects`, or why the
    /// object was left out.
    var order: [Result<Int, FormatFailure>]

    var rejectedObjects: [FormatFailure] {
      order.compactMap { if case .failure(let f) = $0 { f } else { nil } }
    }
  }

  /// Parses a VOC XML document.
  ///
  /// The root must be `<annotation>` with exactly one non-empty `<filename>`; `<size>`,
  /// `<folder>` and `<segmented>` are optional and may appear anywhere among its children.
  /// Each `<object>` needs a non-empty `<name>` and a `<bndbox>` with exactly one each of
  /// `xmin`, `ymin`, `xmax`, `ymax` (decimal numbers, finite); the flags `truncated`,
  /// `difficult`, `occluded` accept `0`/`1`/`true`/`false` and count as absent when empty.
  /// A malformed object does not stop the file: it is reported in ``Parsed/rejectedObjects``
  /// (the importer's policy decides), while a malformed document or header throws.
  ///
  /// - Throws: ``FormatFailure`` (line, column, element path) for malformed XML, a root
  ///   other than `<annotation>`, a missing or repeated `<filename>`, a repeated or
  ///   malformed `<size>`.
  /// - Complexity: O(n) in the file size.
  static func parse(xml bytes: [UInt8]) throws -> Parsed {
    let root = try XMLReader.parse(bytes)
    guard root.name == "annotation" else {
      throw FormatFailure(
        "root element <\(root.name)>: expected <annotation>", line: root.line, column: root.column,
        element: root.name)
    }
    let fileName = try single(root, "filename", path: "annotation")
    guard let fileName, !trimmed(fileName.text).isEmpty else {
      throw FormatFailure(
        "missing or empty <filename>", line: root.line, column: root.column, element: "annotation")
    }
    var annotation = VOCAnnotation(fileName: trimmed(fileName.text))
    if let folder = try single(root, "folder", path: "annotation"), !trimmed(folder.text).isEmpty {
      annotation.folder = trimmed(folder.text)
    }
    if let segmented = try single(root, "segmented", path: "annotation") {
      annotation.segmented = try flag(segmented, path: "annotation/segmented")
    }
    if let size = try single(root, "size", path: "annotation") {
      annotation.size = try parseSize(size)
    }
    var order: [Result<Int, FormatFailure>] = []
    for (index, node) in root.children(named: "object").enumerated() {
      do {
        annotation.objects.append(try parseObject(node, path: "annotation/object[\(index + 1)]"))
        order.append(.success(annotation.objects.count - 1))
      } catch let failure as FormatFailure {
        order.append(.failure(failure))
      }
    }
    return Parsed(annotation: annotation, order: order)
  }

  /// `<size>`: `nil` when width or height is 0 (some VOC tools write zeros when they did
  /// not know the size); the importer then reads the image header if it can.
  private static func parseSize(_ node: XMLNode) throws -> Size? {
    let path = "annotation/size"
    guard let w = try single(node, "width", path: path),
      let h = try single(node, "height", path: path)
    else {
      throw FormatFailure(
        "<size> without <width> and <height>", line: node.line, column: node.column, element: path)
    }
    let width = try integer(w, path: path + "/width")
    let height = try integer(h, path: path + "/height")
    var depth: Int?
    if let d = try single(node, "depth", path: path), !trimmed(d.text).isEmpty {
      depth = try integer(d, path: path + "/depth")
    }
    guard width > 0, height > 0 else { return nil }
    return Size(width: width, height: height, depth: depth)
  }

  private static func parseObject(_ node: XMLNode, path: String) throws -> VOCObject {
    guard let nameNode = try single(node, "name", path: path), !trimmed(nameNode.text).isEmpty
    else {
      throw FormatFailure(
        "object without a <name>", line: node.line, column: node.column, element: path)
    }
    guard let box = try single(node, "bndbox", path: path) else {
      throw FormatFailure(
        "object '\(trimmed(nameNode.text))' without a <bndbox>", line: node.line,
        column: node.column, element: path)
    }
    var values: [Double] = []
    for key in ["xmin", "ymin", "xmax", "ymax"] {
      guard let child = try single(box, key, path: path + "/bndbox") else {
        throw FormatFailure(
          "<bndbox> without <\(key)>", line: box.line, column: box.column, element: path + "/bndbox"
        )
      }
      values.append(try number(child, path: path + "/bndbox/" + key))
    }
    var object = VOCObject(
      name: trimmed(nameNode.text), xmin: values[0], ymin: values[1], xmax: values[2],
      ymax: values[3], line: node.line)
    if let pose = try single(node, "pose", path: path), !trimmed(pose.text).isEmpty {
      object.pose = trimmed(pose.text)
    }
    if let n = try single(node, "truncated", path: path) {
      object.truncated = try flag(n, path: path + "/truncated")
    }
    if let n = try single(node, "difficult", path: path) {
      object.difficult = try flag(n, path: path + "/difficult")
    }
    if let n = try single(node, "occluded", path: path) {
      object.occluded = try flag(n, path: path + "/occluded")
    }
    return object
  }

  // MARK: - Field readers

  /// The only child called `name`, `nil` when there is none; two are an error.
  private static func single(_ node: XMLNode, _ name: String, path: String) throws -> XMLNode? {
    let found = node.children(named: name)
    guard found.count <= 1 else {
      throw FormatFailure(
        "<\(name)> appears \(found.count) times: expected at most once", line: found[1].line,
        column: found[1].column, element: path + "/" + name)
    }
    return found.first
  }

  private static func trimmed(_ text: String) -> String {
    text.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  private static func number(_ node: XMLNode, path: String) throws -> Double {
    let text = trimmed(node.text)
    guard let value = StrictDecimal.parse(text) else {
      throw FormatFailure(
        "'\(text.prefix(40))' is not a finite decimal number", line: node.line,
        column: node.column, element: path)
    }
    return value
  }

  private static func integer(_ node: XMLNode, path: String) throws -> Int {
    let value = try number(node, path: path)
    guard value == value.rounded(), abs(value) < 1e9 else {
      throw FormatFailure(
        "'\(trimmed(node.text))': expected a whole number of pixels", line: node.line,
        column: node.column, element: path)
    }
    return Int(value)
  }

  private static func flag(_ node: XMLNode, path: String) throws -> Bool? {
    switch trimmed(node.text).lowercased() {
    case "": return nil
    case "0", "false", "no": return false
    case "1", "true", "yes": return true
    default:
      throw FormatFailure(
        "'\(trimmed(node.text).prefix(40))': expected 0 or 1", line: node.line,
        column: node.column, element: path)
    }
  }
}
