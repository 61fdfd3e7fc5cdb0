import DetGeometry
import Foundation
import Testing

@testable import DetStore

/// Runs `body` on a scanner over `text`.
private func scan<T>(_ text: String, _ body: (inout JSONScanner) throws -> T) throws -> T {
  var bytes = Array(text.utf8)
  bytes.append(0)  // never read: keeps the pointer valid for empty input
  return try bytes.withUnsafeBufferPointer { buffer in
    var scanner = JSONScanner(base: buffer.baseAddress!, count: buffer.count - 1)
    return try body(&scanner)
  }
}

@Test(arguments: [
  "0", "-0", "1", "-1", "473.07", "0.1", "1e3", "1E-3", "2.5e+10", "123456789012345678",
  "1.7976931348623157e308", "5e-324", "0.30000000000000004", "9007199254740993",
  "123456789012345678901234567890", "1e400", "-1e400", "1e-400",
  "3.14159265358979323846264338327950288",
])
func numbersMatchTheStandardLibrary(text: String) throws {
  let number = try scan(text) { try $0.number() }
  // Swift's Double(String) is correctly rounded (strtod); an independent reference.
  let expected = Double(text)!
  #expect(number.value.bitPattern == expected.bitPattern, "\(text)")
}

@Test func randomDecimalsParseCorrectlyRounded() throws {
  var rng = SplitMix64(state: 42)
  for _ in 0..<20_000 {
    let digits = Int(rng.next() % 17) + 1
    var mantissa = ""
    for i in 0..<digits { mantissa += String(rng.next() % 10 == 0 && i == 0 ? 1 : rng.next() % 10) }
    let point = Int(rng.next() % UInt64(digits + 1))
    var text = String(mantissa.prefix(point)) + "." + String(mantissa.dropFirst(point))
    if text.hasPrefix(".") { text = "0" + text }
    if text.hasSuffix(".") { text += "0" }
    while text.hasPrefix("0"), text.count > 1, !text.hasPrefix("0.") { text.removeFirst() }
    if rng.next() % 3 == 0 { text += "e\(Int(rng.next() % 40) - 20)" }
    let value = try scan(text) { try $0.number().value }
    #expect(value.bitPattern == Double(text)!.bitPattern, "\(text)")
  }
}

@Test func integersAreExactAndOnlyWithoutFractionOrExponent() throws {
  #expect(try scan("9223372036854775807") { try $0.number().integer } == Int64.max)
  #expect(try scan("-42") { try $0.number().integer } == -42)
  #expect(try scan("42.0") { try $0.number().integer } == nil)
  #expect(try scan("4e1") { try $0.number().integer } == nil)
  #expect(try scan("9223372036854775808") { try $0.number().integer } == nil)
}

@Test(arguments: ["01", "-", "1.", ".5", "1e", "+1", "--1", "1.e5", "0x10", "NaN", "Infinity"])
func malformedNumbersThrow(text: String) {
  #expect(throws: JSONError.self) {
    try scan(text) { s -> Void in
      _ = try s.number()
      try s.expectEnd()
    }
  }
}

@Test func stringsDecodeEscapesAndSurrogatePairs() throws {
  let text = #""a\"b\\c\/d\n\t\u00e9\ud83d\ude00\u0041""#
  let decoded = try scan(text) { s in s.string(try s.stringRange()) }
  #expect(decoded == "a\"b\\c/d\n\té😀A")
}

/// `string(_:)` on ranges cut inside an escape: the bytes past the range (here a valid
/// continuation) must not be read, so the cut escape decodes to U+FFFD, never to 😀.
@Test(arguments: [
  (11, "\u{FFFD}\u{FFFD}"),  // \uD83D\uDE0 : the low surrogate lacks its last digit
  (12, "😀"),  // the whole pair
  (6, "\u{FFFD}"),  // \uD83D alone: a lone high surrogate
  (7, "\u{FFFD}\u{FFFD}"),  // \uD83D\ : a lone final backslash
  (8, "\u{FFFD}\u{FFFD}"),  // \uD83D\u : no digits
])
func stringNeverReadsPastItsRange(length: Int, expected: String) throws {
  let text = #""\uD83D\uDE00""#
  let decoded = try scan(text) { s in
    let full = try s.stringRange()
    return s.string(full.lowerBound..<(full.lowerBound + length))
  }
  #expect(decoded == expected, "length \(length)")
}

@Test(arguments: [#""abc"#, #""a\x""#, #""a\u12""#, "\"a\u{01}b\""])
func badStringsThrow(text: String) {
  #expect(throws: JSONError.self) { try scan(text) { _ = try $0.stringRange() } }
}

@Test func skipValueReturnsTheExactSpan() throws {
  let text = #"  {"a": [1, 2.5, {"b": null}], "c": "x}]"} , 7"#
  let span = try scan(text) { try $0.skipValue() }
  let start = text.utf8.index(text.utf8.startIndex, offsetBy: span.lowerBound)
  let end = text.utf8.index(text.utf8.startIndex, offsetBy: span.upperBound)
  #expect(String(text[start..<end]) == #"{"a": [1, 2.5, {"b": null}], "c": "x}]"}"#)
}

@Test func deepNestingIsAnErrorNotACrash() {
  let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
  #expect(throws: JSONError.self) { try scan(deep) { try $0.skipValue() } }
  let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
  #expect(throws: Never.self) { try scan(fine) { try $0.skipValue() } }
}

@Test(arguments: [
  "[1,]", "{\"a\" 1}", "{\"a\":1,}", "[1 2]", "{1:2}", "tru", "nul", "[", "{", "\"", "]",
])
func malformedStructureThrows(text: String) {
  #expect(throws: JSONError.self) {
    try scan(text) { s -> Void in
      try s.skipValue()
      try s.expectEnd()
    }
  }
}

@Test func lineAndColumnCountBytesFromOne() throws {
  try scan("{\n  \"a\": x}") { s in
    #expect(s.lineAndColumn(of: 0) == (1, 1))
    #expect(s.lineAndColumn(of: 9) == (2, 8))
  }
}

/// The seeded generator of the property tests: the project's SplitMix64.
typealias SplitMix64 = SyntheticBoxes.SplitMix64

@Test(arguments: ["[01]", "[-]", "[1.]", "[1e]", "[1e+]", "[-.5]", "[1.5e]"])
func skippedNumbersAreValidatedToo(text: String) {
  #expect(throws: JSONError.self) { try scan(text) { try $0.skipValue() } }
}
