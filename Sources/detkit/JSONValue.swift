import DetPipeline
import DetStore
import Foundation

/// A JSON value as the CLI writes it: every command that prints JSON builds one of these, so
/// all of them share one escaping rule and one number rule.
///
/// - Strings are escaped as the store's exporters escape them (`JSONText.string`: `"`, `\`,
///   `\n`, `\r`, `\t` by name, other controls below U+0020 as `\u00XX`, everything else raw
///   UTF-8, `/` unescaped).
/// - Numbers follow their Swift type: `.int` prints as an integer; `.double` and `.float` print
///   in Swift's shortest round-trip form for that type (`0.0`, `4.0`, `1.2412075202969794`,
///   `0.6512628`); NaN and infinities print as `null`, which JSON has instead.
/// - Object members keep the order they are given in (a dictionary literal keeps its written
///   order); `Style.report` sorts them by key.
/// - Empty arrays and objects print as `[]` and `{}` in both styles.
enum JSONValue: Sendable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case float(Float)
  case string(String)
  case array([JSONValue])
  case object([(key: String, value: JSONValue)])

  /// How a value is laid out.
  enum Style {
    /// One line, no spaces, members in the given order: JSON lines and one-line summaries.
    case line
    /// Indented by two spaces per level, `"key" : value`, members sorted by key (Unicode
    /// scalar order): the `--json` reports.
    case report
  }

  /// A record id: a number for `.int`, a string for `.text`.
  init(_ id: RecordID) {
    switch id {
    case .int(let value): self = .int(Int(value))
    case .text(let value): self = .string(value)
    }
  }

  /// The value's JSON text in `style`, without a trailing newline.
  ///
  /// - Complexity: O(n) in the size of the text (plus O(k log k) per object of k members
  ///   under `.report`).
  func text(_ style: Style) -> String {
    var out = ""
    write(to: &out, style: style, depth: 0)
    return out
  }

  private func write(to out: inout String, style: Style, depth: Int) {
    switch self {
    case .null: out += "null"
    case .bool(let value): out += value ? "true" : "false"
    case .int(let value): out += String(value)
    case .double(let value): out += value.isFinite ? value.description : "null"
    case .float(let value): out += value.isFinite ? value.description : "null"
    case .string(let value): out += JSONText.string(value)
    case .array(let elements) where elements.isEmpty: out += "[]"
    case .object(let members) where members.isEmpty: out += "{}"
    case .array(let elements):
      out += "["
      for (k, element) in elements.enumerated() {
        if k > 0 { out += "," }
        Self.newline(&out, style: style, depth: depth + 1)
        element.write(to: &out, style: style, depth: depth + 1)
      }
      Self.newline(&out, style: style, depth: depth)
      out += "]"
    case .object(let members):
      out += "{"
      let ordered = style == .report ? members.sorted { $0.key < $1.key } : members
      for (k, member) in ordered.enumerated() {
        if k > 0 { out += "," }
        Self.newline(&out, style: style, depth: depth + 1)
        out += JSONText.string(member.key)
        out += style == .report ? " : " : ":"
        member.value.write(to: &out, style: style, depth: depth + 1)
      }
      Self.newline(&out, style: style, depth: depth)
      out += "}"
    }
  }

  private static func newline(_ out: inout String, style: Style, depth: Int) {
    guard style == .report else { return }
    out += "\n" + String(repeating: "  ", count: depth)
  }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
  ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
  init(stringLiteral value: String) { self = .string(value) }
  init(booleanLiteral value: Bool) { self = .bool(value) }
  init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
  /// Members in the order written.
  init(dictionaryLiteral elements: (String, JSONValue)...) {
    self = .object(elements.map { (key: $0.0, value: $0.1) })
  }
}

/// `value` as a pretty, key-sorted report on stdout (`JSONValue.Style.report`), for the
/// `--json` flags.
func printJSON(_ value: JSONValue) {
  FileHandle.standardOutput.write(Data((value.text(.report) + "\n").utf8))
}
