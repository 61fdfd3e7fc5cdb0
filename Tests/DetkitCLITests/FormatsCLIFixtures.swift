import DetTestSupport
import Foundation

/// Small on-disk VOC and YOLO datasets for the CLI tests, in a fresh temporary folder.
struct FormatsCLIFixtures {
  let directory: URL

  init() throws {
    directory = TestTemporaryRoot.url
      .appendingPathComponent("detkit-formats-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  func path(_ relative: String) -> String { directory.appendingPathComponent(relative).path }

  func write(_ text: String, _ relative: String) throws {
    let url = directory.appendingPathComponent(relative)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  /// A 7x5 PNG: signature, IHDR with the size, and no pixel data (only the header is read).
  func writePNG(_ relative: String) throws {
    let bytes: [UInt8] =
      [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
      + Array("IHDR".utf8) + [0, 0, 0, 7, 0, 0, 0, 5, 8, 2, 0, 0, 0, 0, 0, 0, 0]
    let url = directory.appendingPathComponent(relative)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
  }

  /// `voc/a.xml` with two objects and `voc/b.xml` with one.
  func writeVOC() throws {
    try write(
      """
      <annotation><filename>a.jpg</filename><size><width>100</width><height>80</height></size>
      <object><name>dog</name><difficult>1</difficult><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>50</xmax><ymax>60</ymax></bndbox></object>
      <object><name>cat</name><bndbox><xmin>10.5</xmin><ymin>20</ymin><xmax>30</xmax><ymax>40</ymax></bndbox></object>
      </annotation>
      """, "voc/a.xml")
    try write(
      """
      <annotation><size><height>10</height><width>10</width></size><filename>b.jpg</filename>
      <object><name>cat</name><bndbox><xmax>9</xmax><xmin>1</xmin><ymax>9</ymax><ymin>1</ymin></bndbox></object>
      </annotation>
      """, "voc/b.xml")
  }

  /// A flat YOLO folder: `yolo/a.png` + `yolo/a.txt`, `yolo/b.png` without labels,
  /// `yolo/c.txt` without an image, `yolo/classes.txt`.
  func writeYOLO() throws {
    try writePNG("yolo/a.png")
    try writePNG("yolo/b.png")
    try write("0 0.5 0.5 0.2 0.4\n1 0.25 0.25 0.5 0.5\n", "yolo/a.txt")
    try write("0 0.5 0.5 1 1\n", "yolo/c.txt")
    try write("cat\ndog\n", "yolo/classes.txt")
  }

  func remove() { try? FileManager.default.removeItem(at: directory) }
}
