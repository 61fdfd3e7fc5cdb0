import Foundation
import Testing

@testable import DetStore

private func yaml(_ text: String) throws -> [String]? {
  try YOLOClassNames.parse(yaml: Array(text.utf8))
}

@Test func namesAsBlockMapBlockListAndFlowCollections() throws {
  let expected = ["person", "traffic light", "it's", "a: b", "#1"]
  let blockMap = """
    # Ultralytics 🚀 comment
    path: ../datasets/x  # root
    train: images/train2017
    names:
      2: it's   # a comment
      0: person
      1: traffic light
      3: "a: b"
      4: '#1'

    download: |
      names: [not, these]
    """
  let blockList = """
    names:
    - person
    - traffic light
    - "it's"
    - 'a: b'
    - "#1"
    nc: 5
    """
  let flowList = """
    nc: 5
    names: ['person', traffic light,   # comment
      "it's", 'a: b',
      '#1']
    val: x
    """
  let flowMap = "names: {0: person, 1: traffic light, 2: it's, 3: 'a: b', 4: \"#1\"}\n"
  for doc in [blockMap, blockList, flowList, flowMap] {
    #expect(try yaml(doc) == expected, "\(doc)")
  }
}

@Test func quotedNamesWithEscapedQuotesAndHashes() throws {
  let expected = ["it's #1", "say \"hi\" # no comment", "x"]
  let block = "names:\n  0: 'it''s #1'  # comment\n  1: \"say \\\"hi\\\" # no comment\"\n  2: x\n"
  let flow = "names: ['it''s #1', \"say \\\"hi\\\" # no comment\", x]  # comment\n"
  #expect(try yaml(block) == expected)
  #expect(try yaml(flow) == expected)
}

@Test func namesErrorsNameTheLine() {
  let cases: [(String, String, Int)] = [
    ("names:\n  0: a\n  2: b\n", "indices 0-1", 3),
    ("names:\n  0: a\n  0: b\n", "given twice", 3),
    ("names:\n  0: a\n  - b\n", "mixes", 1),
    ("nc: 3\nnames: [a, b]\n", "nc: 3 but names: lists 2", 1),
    ("names: [a, [b]]\n", "nested", 1),
    ("names: [a, b\n", "unterminated", 1),
    ("names: person\n", "expected a list or a map", 1),
    ("names:\n\t- a\n", "tab", 2),
    ("names:\n", "empty", 1),
    ("names:\n  0:\n", "no name", 2),
    ("names: ['a]\n", "unterminated", 1),
  ]
  for (doc, words, line) in cases {
    let error = #expect(throws: FormatFailure.self, "\(doc)") { try yaml(doc) }
    #expect(error?.reason.contains(words) == true, "\(doc): \(error?.reason ?? "")")
    #expect(error?.line == line, "\(doc)")
  }
}

@Test func aYAMLWithoutNamesGivesNil() throws {
  #expect(try yaml("path: x\ntrain: images\n") == nil)
  #expect(try yaml("") == nil)
  // `names` must be a top-level key: an indented one belongs to something else.
  #expect(try yaml("meta:\n  names: [a]\n") == nil)
}

@Test func namesTextFiles() throws {
  #expect(
    try YOLOClassNames.parse(text: Array("person\r\ncat\n boat \n\n\n".utf8)) == [
      "person", "cat", "boat",
    ])
  let error = #expect(throws: FormatFailure.self) {
    try YOLOClassNames.parse(text: Array("a\n\nb\n".utf8))
  }
  #expect(error?.line == 2)
  #expect(throws: FormatFailure.self) { try YOLOClassNames.parse(text: [0x61, 0xFF, 0x0A]) }
}

@Test(
  .enabled(
    if: FormatFixtures.hasDataset("coco128_yolo"), "../shared/datasets/coco128_yolo is absent"))
func coco128YAMLGivesTheEightyCOCONames() throws {
  let url = FormatFixtures.dataset("coco128_yolo/coco128.yaml")
  let names = try #require(try YOLOClassNames.parse(yaml: [UInt8](try Data(contentsOf: url))))
  #expect(names.count == 80)
  #expect(names.first == "person" && names[9] == "traffic light" && names.last == "toothbrush")
}

@Test(
  .enabled(
    if: FormatFixtures.hasDataset("voc2012_100_multiformat"),
    "../shared/datasets/voc2012_100_multiformat is absent"))
func darknetObjNamesInCVATOrder() throws {
  let url = FormatFixtures.dataset("voc2012_100_multiformat/gts/yolo_format/obj.names")
  let names = try YOLOClassNames.parse(text: [UInt8](try Data(contentsOf: url)))
  #expect(names.count == 20 && names.prefix(3) == ["person", "cat", "boat"])
}

/// fixtures/formats/yolo/ultralytics/data.yaml: emoji and box-drawing comments, `path`,
/// `train`, `val` keys, then a block list of names (one with a space).
@Test func fixtureYAMLWithNonASCIICommentsGivesItsNames() throws {
  let url = FormatFixtures.fixture("formats/yolo/ultralytics/data.yaml")
  let names = try #require(try YOLOClassNames.parse(yaml: [UInt8](try Data(contentsOf: url))))
  #expect(names == ["person", "bicycle", "traffic light", "fire hydrant", "toothbrush"])
}

/// fixtures/formats/multi/yolo_darknet/obj.names: CVAT's label order, not VOC's sorted one.
@Test func fixtureDarknetObjNamesInCVATOrder() throws {
  let url = FormatFixtures.fixture("formats/multi/yolo_darknet/obj.names")
  let names = try YOLOClassNames.parse(text: [UInt8](try Data(contentsOf: url)))
  #expect(names == ["person", "cat", "bicycle", "dog"])
}
