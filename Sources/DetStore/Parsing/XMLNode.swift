/// One element of a parsed XML document: the small DOM the VOC reader walks.
///
/// Only what annotation files need is kept: the name, attributes, child elements in
/// document order, the character data directly inside the element (entity references
/// decoded, CDATA included, comments dropped) and where the start tag was.
struct XMLNode: Sendable, Equatable {
  var name: String
  var attributes: [String: String] = [:]
  var children: [XMLNode] = []
  /// Character data directly inside this element, concatenated in order.
  var text: String = ""
  /// 1-based line of the start tag's `<`.
  var line: Int
  /// 1-based column (in UTF-8 bytes) of the start tag's `<`.
  var column: Int

  /// The direct children called `name`.
  func children(named name: String) -> [XMLNode] { children.filter { $0.name == name } }
}
