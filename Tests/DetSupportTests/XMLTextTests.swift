import Testing

@testable import DetSupport

@Test func xmlTextEscapesTheFiveAndDropsWhatXMLCannotCarry() {
  #expect(XMLText.escaped(#"a<b>&"c"'d'"#) == "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;")
  // Tab, LF and CR stay; other C0 controls (here NUL, BEL, ESC) go; the rest is kept.
  #expect(XMLText.escaped("x\u{0}\t\u{7}\n\r\u{1B}é😀") == "x\t\n\ré😀")
  #expect(XMLText.escaped("") == "")
}
