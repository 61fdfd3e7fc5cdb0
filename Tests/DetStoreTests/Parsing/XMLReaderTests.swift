import Foundation
import Testing

@testable import DetStore

private func parse(_ text: String) throws -> XMLNode { try XMLReader.parse(Array(text.utf8)) }

@Test func readsElementsAttributesTextAndReferences() throws {
  let root = try parse(
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <!-- a comment -->
    <annotation verified="yes" note='a &amp; b'>
      <name>caf&#233; &lt;x&gt; &#x41;&quot;&apos;</name>
      <?pi ignored?>
      <empty/>
      <data><![CDATA[<raw & text>]]></data>
    </annotation>
    """)
  #expect(root.name == "annotation")
  #expect(root.attributes == ["verified": "yes", "note": "a & b"])
  #expect(root.children.map(\.name) == ["name", "empty", "data"])
  #expect(root.children[0].text == "café <x> A\"'")
  #expect(root.children[0].line == 4)
  #expect(root.children[2].text == "<raw & text>")
  #expect(root.line == 3 && root.column == 1)
}

@Test func acceptsBOMAndLatin1AndAnExternalDoctypeThatIsNeverFetched() throws {
  let bom = try XMLReader.parse([0xEF, 0xBB, 0xBF] + Array("<a>x</a>".utf8))
  #expect(bom.text == "x")
  let latin1 = try XMLReader.parse(
    Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>".utf8) + [0x63, 0x61, 0x66, 0xE9]
      + Array("</a>".utf8))
  #expect(latin1.text == "café")
  // An external DTD reference without an internal subset is skipped (never opened).
  let doctype = try parse("<!DOCTYPE annotation SYSTEM \"file:///etc/passwd\"><annotation/>")
  #expect(doctype.name == "annotation")
}

@Test func refusesEntityBombsAndExternalEntities() {
  let laughs = """
    <?xml version="1.0"?>
    <!DOCTYPE lolz [
      <!ENTITY lol "lol">
      <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
      <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
      <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
    ]>
    <annotation><filename>&lol9;</filename></annotation>
    """
  let external = """
    <?xml version="1.0"?>
    <!DOCTYPE annotation [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
    <annotation><filename>&xxe;</filename></annotation>
    """
  for doc in [laughs, external] {
    let error = #expect(throws: FormatFailure.self) { try parse(doc) }
    #expect(error?.reason.contains("internal subset") == true)
    #expect(error?.line == 2)
  }
  // Without a DTD the reference is simply undefined.
  let undefined = #expect(throws: FormatFailure.self) {
    try parse("<annotation>\n<filename>&xxe;</filename></annotation>")
  }
  #expect(undefined?.reason.contains("undefined entity &xxe;") == true)
  #expect(undefined?.line == 2 && undefined?.column == 11)
}

@Test func malformedDocumentsNameTheLineAndColumn() {
  let cases: [(String, String, Int)] = [
    ("<a>\n  <b>x</c>\n</a>", "</c> closes <b>", 2),
    ("<a>\n<b>", "truncated", 2),
    ("<a x=1/>", "quoted value", 1),
    ("<a x='1' x='2'/>", "given twice", 1),
    ("<a>&amp</a>", "not starting a reference", 1),
    ("<a>&#0;</a>", "invalid character reference", 1),
    ("<a/><b/>", "second root", 1),
    ("text<a/>", "text before", 1),
    ("<a/>\ntail", "text after", 2),
    ("", "no root", 1),
    ("<a><!ENTITY x 'y'></a>", "markup declaration", 1),
    ("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a/>", "shift_jis", 1),
    ("<1a/>", "expected a name", 1),
    ("<a>\u{1}</a>", "control byte", 1),
  ]
  for (doc, words, line) in cases {
    let error = #expect(throws: FormatFailure.self, "\(doc)") { try parse(doc) }
    #expect(
      error?.reason.lowercased().contains(words.lowercased()) == true,
      "\(doc): \(error?.reason ?? "")")
    #expect(error?.line == line, "\(doc)")
  }
}

@Test func rejectsInvalidUTF8AndUTF16() {
  for bytes: [UInt8] in [
    Array("<a>".utf8) + [0xC3] + Array("</a>".utf8),  // truncated 2-byte sequence
    Array("<a>".utf8) + [0xED, 0xA0, 0x80] + Array("</a>".utf8),  // UTF-16 surrogate
    Array("<a>".utf8) + [0xC0, 0xAF] + Array("</a>".utf8),  // overlong '/'
    [0xFF, 0xFE, 0x3C, 0x00],
  ] {
    #expect(throws: FormatFailure.self) { try XMLReader.parse(bytes) }
  }
}

@Test func deepNestingIsCappedWithoutRecursion() {
  let depth = 100_000
  let doc = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
  let error = #expect(throws: FormatFailure.self) { try parse(doc) }
  #expect(error?.reason.contains("deeper than \(XMLReader.depthLimit)") == true)
  // Just inside the cap is fine.
  let ok =
    String(repeating: "<a>", count: XMLReader.depthLimit)
    + String(repeating: "</a>", count: XMLReader.depthLimit)
  #expect(throws: Never.self) { try parse(ok) }
}

@Test func everyPrefixOfARealFileThrowsUntilTheRootCloses() throws {
  let doc = """
    <annotation>
    \t<filename>2007_000027.jpg</filename>
    \t<object><name>person</name><bndbox><xmin>174</xmin></bndbox></object>
    </annotation>
    """
  let bytes = Array(doc.utf8)
  for cut in 0..<bytes.count {
    #expect(throws: FormatFailure.self, "cut \(cut)") {
      try XMLReader.parse(Array(bytes.prefix(cut)))
    }
  }
  #expect(try XMLReader.parse(bytes).children.count == 2)
}

@Test(arguments: 0..<4)
func mutatedDocumentsAndGarbageNeverCrash(seed: Int) {
  var rng = SplitMix64(state: UInt64(seed) &+ 1000)
  let doc = Array(
    """
    <?xml version="1.0"?><annotation a="1"><filename>x&amp;y</filename><!-- c -->
    <object><name>n</name><bndbox><xmin>1</xmin><![CDATA[z]]></bndbox></object></annotation>
    """.utf8)
  let alphabet = Array("<>/&;!?-[]='\"#x ab".utf8) + [0, 0x80, 0xFF, 0xC3]
  for _ in 0..<2000 {
    var bytes = doc
    for _ in 0..<Int.random(in: 1...4, using: &rng) {
      let at = Int.random(in: 0..<bytes.count, using: &rng)
      switch Int.random(in: 0..<3, using: &rng) {
      case 0: bytes[at] = alphabet.randomElement(using: &rng)!
      case 1: bytes.remove(at: at)
      default: bytes.insert(alphabet.randomElement(using: &rng)!, at: at)
      }
    }
    _ = try? XMLReader.parse(bytes)
  }
  for _ in 0..<500 {
    let garbage = (0..<Int.random(in: 0..<300, using: &rng)).map { _ in
      UInt8.random(in: 0...255, using: &rng)
    }
    _ = try? XMLReader.parse(garbage)
  }
}
