/// The original id of a record (image, category, annotation) as the source format gave it.
///
/// COCO files use numbers, but real files also use strings, and sometimes both for the same
/// image (`"2299"` in `images`, `2299` in `annotations`). detkit keeps one canonical form so
/// that such references meet:
/// - an integer that fits in `Int64` is `.int`, whether it came as the JSON number `2299`,
///   the number `2299.0`, or the string `"2299"`;
/// - a string is canonical-integer only when it is `-?(0|[1-9][0-9]*)` within `Int64`
///   (so `"007"`, `"+5"`, `" 5"` stay `.text`);
/// - anything else (`"img_7"`, a non-integral number `1.5`, an integer beyond `Int64`)
///   is `.text` with the original characters.
///
/// In SQLite the id is stored in a column of type `ANY`: an `INTEGER` for `.int`, `TEXT`
/// for `.text`. The COCO exporter writes `.int` as a JSON number and `.text` as a string,
/// so `"2299"` comes back as `2299`, the one lossy step, documented here on purpose.
public enum RecordID: Hashable, Sendable, Comparable, CustomStringConvertible {
  case int(Int64)
  case text(String)

  /// The canonical id of a string: `.int` when `text` is a canonical integer, else `.text`.
  /// - Complexity: O(n) in the length of `text`.
  public init(canonicalizing text: String) {
    if let value = RecordID.canonicalInteger(text.utf8) {
      self = .int(value)
    } else {
      self = .text(text)
    }
  }

  /// The digits of `bytes` as an `Int64` when they are `-?(0|[1-9][0-9]*)` in range.
  package static func canonicalInteger<C: Collection>(_ bytes: C) -> Int64?
  where C.Element == UInt8 {
    var index = bytes.startIndex
    guard index != bytes.endIndex else { return nil }
    var negative = false
    if bytes[index] == UInt8(ascii: "-") {
      negative = true
      index = bytes.index(after: index)
      guard index != bytes.endIndex else { return nil }
    }
    let first = bytes[index]
    guard first >= 0x30, first <= 0x39 else { return nil }
    if first == 0x30 {
      // "0" alone (and "-0", which is the integer 0); "01" is not canonical.
      return bytes.index(after: index) == bytes.endIndex ? 0 : nil
    }
    var magnitude: UInt64 = 0
    while index != bytes.endIndex {
      let byte = bytes[index]
      guard byte >= 0x30, byte <= 0x39 else { return nil }
      let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
      let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - 0x30))
      guard !o1, !o2 else { return nil }
      magnitude = sum
      index = bytes.index(after: index)
    }
    if negative {
      guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
      return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
    }
    guard magnitude <= UInt64(Int64.max) else { return nil }
    return Int64(magnitude)
  }

  /// Integers print as digits, text as it is.
  public var description: String {
    switch self {
    case .int(let value): return String(value)
    case .text(let value): return value
    }
  }

  /// Integers order before text (SQLite's order for an `ANY` column), each by value.
  public static func < (lhs: RecordID, rhs: RecordID) -> Bool {
    switch (lhs, rhs) {
    case (.int(let a), .int(let b)): return a < b
    case (.int, .text): return true
    case (.text, .int): return false
    case (.text(let a), .text(let b)): return a < b
    }
  }
}
