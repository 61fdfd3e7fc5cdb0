import Foundation

/// Decimal text for exported coordinates.
enum NumberText {
  /// `value` with at most `decimals` digits after the point, trailing zeros (and a bare
  /// point) removed, `-0` written as `0`: `174`, `174.5`, `0.479492`.
  ///
  /// Rounding to a fixed number of decimals removes the `1e-13`-scale noise that
  /// converting to and from the store's `x, y, w, h` adds, so a value that had at most
  /// `decimals` decimals comes back exactly as it was written.
  ///
  /// - Precondition: `value` is finite.
  static func format(_ value: Double, decimals: Int) -> String {
    precondition(value.isFinite, "cannot export a non-finite coordinate")
    var text = String(format: "%.\(decimals)f", value)
    if text.contains(".") {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    return text == "-0" ? "0" : text
  }
}
