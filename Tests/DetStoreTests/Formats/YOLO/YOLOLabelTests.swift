import DetGeometry
import Foundation
import Testing

@testable import DetStore

private func parse(_ text: String) -> YOLOLabel.ParsedFile {
  YOLOLabel.parse(file: Array(text.utf8))
}

@Test func readsBoxesPolygonsBlankLinesAndCRLF() {
  let parsed = parse(
    "\u{FEFF}60 0.5 0.530422 1 0.353469\r\n\r\n  3\t0.1 0.2 0.3 0.4  \n7 0.1 0.2 0.5 0.2 0.3 0.6\n")
  #expect(parsed.rejectedLines.isEmpty)
  #expect(
    parsed.labels.prefix(2) == [
      YOLOLabel(
        classIndex: 60, centerX: 0.5, centerY: 0.530422, width: 1, height: 0.353469, line: 1),
      YOLOLabel(classIndex: 3, centerX: 0.1, centerY: 0.2, width: 0.3, height: 0.4, line: 3),
    ])
  // The polygon's box is its extent: x in [0.1, 0.5], y in [0.2, 0.6].
  let polygon = parsed.labels[2]
  #expect(polygon.classIndex == 7 && polygon.line == 4)
  #expect(polygon.polygon == [0.1, 0.2, 0.5, 0.2, 0.3, 0.6])
  for (value, expected) in [
    (polygon.centerX, 0.3), (polygon.centerY, 0.4), (polygon.width, 0.4), (polygon.height, 0.4),
  ] {
    #expect(abs(value - expected) < 1e-15)
  }
}

@Test func malformedLinesAreRejectedWithTheirLineNumbers() {
  let parsed = parse(
    """
    0 0.5 0.5 0.1 0.1
    1 0.5 0.5 0.1
    2 0.5 0.5 0.1 0.1 0.9
    -1 0.5 0.5 0.1 0.1
    1.5 0.5 0.5 0.1 0.1
    cat 0.5 0.5 0.1 0.1
    4 0.5 nan 0.1 0.1
    5 0,5 0.5 0.1 0.1
    3.0 0.5 0.5 0.1 0.1
    """)
  #expect(parsed.labels.map(\.classIndex) == [0, 3])
  #expect(parsed.rejectedLines.map(\.line) == [2, 3, 4, 5, 6, 7, 8])
  #expect(parsed.rejectedLines[1].reason.contains("detection score"))
  #expect(parsed.rejectedLines[4].reason.contains("class 'cat'"))
  #expect(parsed.rejectedLines[5].reason.contains("field 3 'nan'"))
}

@Test func binaryGarbageIsRejectedNotCrashed() {
  let garbage = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
  let parsed = YOLOLabel.parse(file: garbage)
  #expect(parsed.labels.isEmpty)
  #expect(!parsed.rejectedLines.isEmpty)
}

@Test func cornersAndTheirInverse() {
  let size = ImageSize(height: 480, width: 640)
  let label = YOLOLabel(
    classIndex: 45, centerX: 0.479492, centerY: 0.688771, width: 0.955609, height: 0.5955)
  let c = label.corners(in: size)
  // By hand: x1 = (0.479492 - 0.4778045) * 640 = 1.08, x2 = (0.479492 + 0.4778045) * 640 = 612.66...
  #expect(abs(c.x1 - 1.08) < 1e-9)
  #expect(abs(c.x2 - 612.66976) < 1e-9)
  #expect(abs(c.y1 - (0.688771 - 0.29775) * 480) < 1e-9)
  let back = YOLOLabel(classIndex: 45, x1: c.x1, y1: c.y1, x2: c.x2, y2: c.y2, in: size)
  for (a, b) in [
    (back.centerX, label.centerX), (back.centerY, label.centerY), (back.width, label.width),
    (back.height, label.height),
  ] {
    #expect(abs(a - b) < 1e-15)
  }
}
