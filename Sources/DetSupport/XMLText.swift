/// Text for XML 1.0 documents (VOC annotations, SVG pictures).
public enum XMLText {
  /// `text` with the five special characters escaped (`&amp;` `&lt;` `&gt;` `&quot;`
  /// `&apos;`), usable in element content and in attribute values. C0 control characters
  /// other than tab, LF and CR are left out: XML 1.0 cannot carry them, not even as
  /// character references.
  ///
  /// - Complexity: O(length of `text`).
  public static func escaped(_ text: String) -> String {
    var out = ""
    for c in text.unicodeScalars {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      default:
        if c.value < 0x20, c != "\t", c != "\n", c != "\r" { continue }
        out.unicodeScalars.append(c)
      }
    }
    return out
  }
}
