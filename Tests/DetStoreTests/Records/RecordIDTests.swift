import Testing

@testable import DetStore

@Test(arguments: [
  ("2299", RecordID.int(2299)), ("0", .int(0)), ("-0", .int(0)), ("-17", .int(-17)),
  ("9223372036854775807", .int(Int64.max)), ("-9223372036854775808", .int(Int64.min)),
  ("9223372036854775808", .text("9223372036854775808")), ("007", .text("007")),
  ("+5", .text("+5")), (" 5", .text(" 5")), ("5 ", .text("5 ")), ("", .text("")),
  ("-", .text("-")), ("img_7", .text("img_7")), ("1.0", .text("1.0")),
])
func stringIDsCanonicalise(text: String, expected: RecordID) {
  #expect(RecordID(canonicalizing: text) == expected)
}

@Test func integersOrderBeforeTextLikeSQLite() {
  let ids: [RecordID] = [.text("b"), .int(10), .text("a"), .int(-3)]
  #expect(ids.sorted() == [.int(-3), .int(10), .text("a"), .text("b")])
}
