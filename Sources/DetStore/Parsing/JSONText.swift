/// JSON text for the exporters: strings escaped per RFC 8259, numbers in the shortest form
/// that reads back to the same `Double` (integral values without a fraction). `package`, so
/// the CLI's JSON lines escape strings the same way.
package enum JSONText {
  /// `value` as a JSON string literal, quotes included.
  package static func string(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  /// `precondition`: `value` is finite (the store never holds NaN or infinity).
  static func number(_ value: Double) -> String {
    precondition(value.isFinite, "JSON has no NaN or infinity")
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return value.description
  }

  /// A record id as JSON: a number for `.int`, a string for `.text`.
  package static func id(_ id: RecordID) -> String {
    switch id {
    case .int(let value): return String(value)
    case .text(let value): return string(value)
    }
  }
}
