import Testing

@testable import DetStore

@Test func decimalGrammarIsStrict() {
  for good in ["0", "174", "174.0", "-1", "+2.5", ".5", "5.", "1e3", "1.5E-2"] {
    #expect(StrictDecimal.parse(good) != nil, "\(good)")
  }
  for bad in ["", "nan", "inf", "-infinity", "0x10", "1,5", "1e", "e3", "1 2", "--1", ".", "1e999"]
  {
    #expect(StrictDecimal.parse(bad) == nil, "\(bad)")
  }
}
