import DetStore
import Testing

@Test func policiesParseFromTheirCLINames() {
  #expect(ValidationPolicy(rawValue: "strict") == .strict)
  #expect(ValidationPolicy(rawValue: "skip") == .skip)
  #expect(ValidationPolicy(rawValue: "lenient") == nil)
}
