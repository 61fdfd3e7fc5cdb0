/// Strict decimal number syntax shared by the text-format readers.
enum StrictDecimal {
  /// A finite number written `[+-]digits[.digits][(e|E)[+-]digits]` (at least one digit
  /// in the mantissa), or `nil`: no `nan`, `inf`, hexadecimal, commas or spaces, and no
  /// value that overflows to infinity.
  ///
  /// - Complexity: O(n) in the length of the text.
  static func parse<S: StringProtocol>(_ text: S) -> Double? {
    let bytes = Array(text.utf8)
    var i = 0
    func digits() -> Int {
      let start = i
      while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
      return i - start
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
    var mantissa = digits()
    if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
      i += 1
      mantissa += digits()
    }
    guard mantissa > 0 else { return nil }
    if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
      i += 1
      if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
      guard digits() > 0 else { return nil }
    }
    guard i == bytes.count, let value = Double(String(text)), value.isFinite else { return nil }
    return value
  }
}
