import DetGeometry
import Foundation
import Testing

@testable import DetStore

// MARK: - Against Pillow (golden files from tools/golden_image_sizes.py)

@Test(arguments: try FormatFixtures.goldenImages("image_sizes_fixtures.json").map(\.file))
func fixtureImageHeadersMatchPillow(file: String) throws {
  let golden = try #require(
    try FormatFixtures.goldenImages("image_sizes_fixtures.json").first { $0.file == file })
  let bytes = [UInt8](try Data(contentsOf: FormatFixtures.fixture("images/\(file)")))
  let header = try ImageHeader(parsing: bytes)
  #expect(header.format.rawValue == golden.format)
  #expect(header.storedSize == ImageSize(height: golden.height, width: golden.width))
  #expect(header.orientation == golden.orientation)
  // Orientations 5...8 transpose the displayed image.
  if let o = golden.orientation, (5...8).contains(o) {
    #expect(header.orientedSize == ImageSize(height: golden.width, width: golden.height))
  } else {
    #expect(header.orientedSize == header.storedSize)
  }
}

@Test(
  .enabled(
    if: FormatFixtures.hasDataset("coco128_yolo"), "../shared/datasets/coco128_yolo is absent"))
func coco128JPEGHeadersMatchPillow() throws {
  let golden = try FormatFixtures.goldenImages("image_sizes_coco128.json")
  #expect(golden.count == 128)
  for record in golden {
    let url = FormatFixtures.dataset("coco128_yolo").appendingPathComponent(record.file)
    let header = try ImageHeader(parsing: [UInt8](try Data(contentsOf: url)))
    #expect(header.format == .jpeg, "\(record.file)")
    #expect(
      header.storedSize == ImageSize(height: record.height, width: record.width), "\(record.file)")
    #expect(header.orientation == record.orientation, "\(record.file)")
  }
}

@Test(
  .enabled(
    if: FormatFixtures.hasDataset("voc2012_100_multiformat"),
    "../shared/datasets/voc2012_100_multiformat is absent"))
func voc2012JPEGHeadersMatchTheDatasetsOwnSizeTable() throws {
  // image_sizes.csv was derived by the dataset's curators (see SOURCES.md), not by detkit.
  let root = FormatFixtures.dataset("voc2012_100_multiformat")
  let csv = try String(contentsOf: root.appendingPathComponent("image_sizes.csv"), encoding: .utf8)
  var checked = 0
  for line in csv.split(separator: "\n").dropFirst() {
    let fields = line.split(separator: ",")
    let url = root.appendingPathComponent(String(fields[0]))
    let header = try ImageHeader(parsing: [UInt8](try Data(contentsOf: url)))
    #expect(
      header.storedSize == ImageSize(height: Int(fields[2])!, width: Int(fields[1])!),
      "\(fields[0])")
    checked += 1
  }
  #expect(checked == 100)
}

/// fixtures/formats/images and the multi-format dataset's images, against the size tables
/// tools/make_format_fixtures.py writes from its own definitions (Pillow decodes every file
/// to the same size). Sizes use both bytes of each 16-bit field; the layouts are those of
/// real camera and library output: JFIF APP0 and two DQTs before SOF0, an EXIF APP1 holding
/// a 160x120 thumbnail (a whole JPEG with its own SOF0, which must not be taken for the
/// frame) then APP2 ICC, progressive SOF2 after COM and APP14 Adobe, SOF1, and a PNG with
/// chunks after IHDR.
@Test(arguments: ["formats/images", "formats/multi"])
func fixtureHeadersMatchTheGeneratorsSizeTable(folder: String) throws {
  let root = FormatFixtures.fixture(folder)
  let csv = try String(contentsOf: root.appendingPathComponent("image_sizes.csv"), encoding: .utf8)
  var checked = 0
  for line in csv.split(separator: "\n").dropFirst() {
    let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let header = try ImageHeader(
      parsing: [UInt8](try Data(contentsOf: root.appendingPathComponent(fields[0]))))
    #expect(header.format == (fields[0].hasSuffix(".png") ? .png : .jpeg), "\(fields[0])")
    #expect(
      header.storedSize == ImageSize(height: Int(fields[2])!, width: Int(fields[1])!),
      "\(fields[0])")
    // Only the EXIF file has an orientation tag (1, the identity).
    let exif = ["exif_thumbnail_353x500.jpg", "images/m_0002.jpg"].contains(fields[0])
    #expect(header.orientation == (exif ? 1 : nil), "\(fields[0])")
    checked += 1
  }
  #expect(checked == (folder == "formats/images" ? 5 : 3))
}

// MARK: - Hand-made headers

private func png(width: UInt32, height: UInt32) -> [UInt8] {
  [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
    + be32(width) + be32(height) + [8, 2, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF]
}

private func be32(_ v: UInt32) -> [UInt8] {
  [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) }
}
private func le32(_ v: UInt32) -> [UInt8] {
  [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: v >> $0) }
}
private func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
private func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }

/// A JPEG up to its frame header: SOI, the given segments, then `SOF` with the size.
private func jpeg(
  segments: [[UInt8]] = [], sof: UInt8 = 0xC0, width: UInt16, height: UInt16
) -> [UInt8] {
  var bytes: [UInt8] = [0xFF, 0xD8]
  for segment in segments { bytes += segment }
  bytes += [0xFF, sof] + be16(11) + [8] + be16(height) + be16(width) + [1, 1, 0x11, 0]
  bytes += [0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x12, 0x34, 0xFF, 0xD9]
  return bytes
}

private func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
  [0xFF, marker] + be16(UInt16(payload.count + 2)) + payload
}

/// An APP1 EXIF segment with one IFD0 entry (orientation) in the given byte order.
private func exifSegment(orientation: UInt16, bigEndian: Bool) -> [UInt8] {
  func u16(_ v: UInt16) -> [UInt8] { bigEndian ? be16(v) : le16(v) }
  func u32(_ v: UInt32) -> [UInt8] { bigEndian ? be32(v) : le32(v) }
  var tiff: [UInt8] = bigEndian ? Array("MM".utf8) : Array("II".utf8)
  tiff += u16(42) + u32(8) + u16(2)
  tiff += u16(0x010F) + u16(2) + u32(4) + Array("abc\0".utf8)  // Make, ASCII, inline
  tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + [0, 0]
  tiff += u32(0)
  return segment(0xE1, Array("Exif".utf8) + [0, 0] + tiff)
}

@Test func pngSizeComesFromIHDR() throws {
  let header = try ImageHeader(parsing: png(width: 640, height: 427))
  #expect(header == ImageHeader(format: .png, storedSize: ImageSize(height: 427, width: 640)))
}

@Test func pngRejectsZeroSizeAndOversizeAndAMissingIHDR() {
  #expect(throws: FormatFailure.self) { try ImageHeader(parsing: png(width: 0, height: 5)) }
  #expect(throws: FormatFailure.self) {
    try ImageHeader(parsing: png(width: 5, height: 0x8000_0000))
  }
  var wrongChunk = png(width: 3, height: 3)
  wrongChunk.replaceSubrange(12..<16, with: Array("CgBI".utf8))
  #expect(throws: FormatFailure.self) { try ImageHeader(parsing: wrongChunk) }
}

@Test func jpegReadsEveryStartOfFrameVariantButNotDHTOrDAC() throws {
  for sof: UInt8 in [0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF] {
    let header = try ImageHeader(parsing: jpeg(sof: sof, width: 772, height: 258))
    #expect(header.storedSize == ImageSize(height: 258, width: 772), "SOF \(sof)")
  }
  // DHT, JPG and DAC share the C4/C8/CC code space; their payload must not be read as a
  // size. Each carries bytes that would decode as 9999x9999 if mistaken for a frame.
  let decoys = [0xC4, 0xC8, 0xCC].map { segment(UInt8($0), [8, 0x27, 0x0F, 0x27, 0x0F, 1, 0]) }
  let header = try ImageHeader(parsing: jpeg(segments: decoys, width: 31, height: 17))
  #expect(header.storedSize == ImageSize(height: 17, width: 31))
}

@Test func jpegSkipsFillBytesJunkRestartMarkersAndLargeAppSegments() throws {
  let app0 = segment(0xE0, Array("JFIF\0".utf8) + [1, 2, 0, 0, 1, 0, 1, 0, 0])
  let big = segment(0xE2, [UInt8](repeating: 0xC0, count: 65_000))  // bytes that look like SOF
  let fill: [UInt8] = [0xFF, 0xFF, 0xFF]
  let junk: [UInt8] = [0x00, 0x13, 0x37, 0xFF, 0x00]
  let rst: [UInt8] = [0xFF, 0xD3, 0xFF, 0x01]
  let bytes = jpeg(segments: [app0, fill, junk, big, rst, fill], width: 1, height: 65535)
  #expect(try ImageHeader(parsing: bytes).storedSize == ImageSize(height: 65535, width: 1))
}

@Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
func jpegExifOrientationInBothByteOrders(orientation: Int) throws {
  for bigEndian in [false, true] {
    let exif = exifSegment(orientation: UInt16(orientation), bigEndian: bigEndian)
    let header = try ImageHeader(parsing: jpeg(segments: [exif], sof: 0xC2, width: 40, height: 30))
    #expect(header.orientation == orientation)
    #expect(header.storedSize == ImageSize(height: 30, width: 40))
    let transposed = orientation >= 5
    #expect(
      header.orientedSize == (transposed ? ImageSize(height: 40, width: 30) : header.storedSize))
  }
}

@Test func jpegIgnoresMalformedOrOutOfRangeExif() throws {
  for orientation: UInt16 in [0, 9, 0xFFFF] {
    let exif = exifSegment(orientation: orientation, bigEndian: false)
    #expect(
      try ImageHeader(parsing: jpeg(segments: [exif], width: 4, height: 3)).orientation == nil)
  }
  var broken = exifSegment(orientation: 6, bigEndian: true)
  broken[14] = 0xEE  // IFD0 offset now points far outside the block
  #expect(
    try ImageHeader(parsing: jpeg(segments: [broken], width: 4, height: 3)).orientation == nil)
}

@Test func jpegErrorsSayWhatCameFirst() {
  let sosFirst: [UInt8] = [0xFF, 0xD8, 0xFF, 0xDA, 0, 2]
  let eoiFirst: [UInt8] = [0xFF, 0xD8, 0xFF, 0xD9]
  let shortLength: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 1]
  let dnlHeight = jpeg(width: 10, height: 0)
  let zeroWidth = jpeg(width: 0, height: 10)
  let junkOnly: [UInt8] = [0xFF, 0xD8, 0xFF, 0x00, 0x12, 0xFF, 0xFF]
  for (bytes, word) in [
    (sosFirst, "SOS"), (eoiFirst, "end of image"), (shortLength, "length 1"),
    (dnlHeight, "DNL"), (zeroWidth, "positive"), (junkOnly, "truncated"),
  ] {
    let error = #expect(throws: FormatFailure.self) { try ImageHeader(parsing: bytes) }
    #expect(error?.reason.contains(word) == true, "\(error?.reason ?? "")")
  }
}

@Test func everyTruncationOfEveryFormatThrowsInsteadOfCrashing() throws {
  var samples = [
    png(width: 9, height: 9),
    jpeg(segments: [exifSegment(orientation: 6, bigEndian: false)], width: 9, height: 9),
  ]
  for golden in try FormatFixtures.goldenImages("image_sizes_fixtures.json") {
    samples.append([UInt8](try Data(contentsOf: FormatFixtures.fixture("images/\(golden.file)"))))
  }
  for sample in samples {
    let full = try ImageHeader(parsing: sample)
    // A prefix either still holds the size (same answer) or throws; never anything else.
    for cut in 0..<min(sample.count, 400) {
      if let header = try? ImageHeader(parsing: Array(sample.prefix(cut))) {
        #expect(header.storedSize == full.storedSize, "cut \(cut) of \(full.format)")
      }
    }
  }
}

@Test func bmpInfoHeaderTopDownAndCoreHeader() throws {
  func bmp(dib: [UInt8]) -> [UInt8] {
    Array("BM".utf8) + le32(1000) + [0, 0, 0, 0] + le32(54) + dib
  }
  let bottomUp = bmp(
    dib: le32(40) + le32(7) + le32(5) + [1, 0, 24, 0] + [UInt8](repeating: 0, count: 24))
  let topDown = bmp(
    dib: le32(40) + le32(7) + le32(UInt32(bitPattern: -5)) + [1, 0, 24, 0]
      + [UInt8](repeating: 0, count: 24))
  let core = bmp(dib: le32(12) + le16(300) + le16(200) + [1, 0, 24, 0])
  let v5 = bmp(dib: le32(124) + le32(2) + le32(3) + [UInt8](repeating: 0, count: 112))
  #expect(try ImageHeader(parsing: bottomUp).storedSize == ImageSize(height: 5, width: 7))
  #expect(try ImageHeader(parsing: topDown).storedSize == ImageSize(height: 5, width: 7))
  #expect(try ImageHeader(parsing: core).storedSize == ImageSize(height: 200, width: 300))
  #expect(try ImageHeader(parsing: v5).storedSize == ImageSize(height: 3, width: 2))
  let negativeWidth = bmp(dib: le32(40) + le32(UInt32(bitPattern: -7)) + le32(5) + [1, 0, 24, 0])
  let oddHeader = bmp(dib: le32(7) + le32(7) + le32(5))
  #expect(throws: FormatFailure.self) { try ImageHeader(parsing: negativeWidth) }
  #expect(throws: FormatFailure.self) { try ImageHeader(parsing: oddHeader) }
}

@Test func gifUsesTheLogicalScreen() throws {
  let gif = Array("GIF87a".utf8) + le16(500) + le16(281) + [0xF7, 0, 0]
  #expect(
    try ImageHeader(parsing: gif)
      == ImageHeader(format: .gif, storedSize: ImageSize(height: 281, width: 500)))
}

@Test func webpChunkLayouts() throws {
  func riff(_ fourcc: String, _ payload: [UInt8]) -> [UInt8] {
    Array("RIFF".utf8) + le32(UInt32(payload.count + 12)) + Array("WEBP".utf8) + Array(fourcc.utf8)
      + le32(UInt32(payload.count)) + payload
  }
  // VP8: frame tag, start code, 14-bit sizes whose top 2 bits (scale) must be ignored.
  let vp8 = riff(
    "VP8 ",
    [0x50, 0x02, 0x00, 0x9D, 0x01, 0x2A] + le16(0xC000 | 1000) + le16(0x4000 | 750) + [0, 0])
  // VP8L: width-1 = 16383 (14 bits all ones), height-1 = 0.
  let vp8l = riff("VP8L", [0x2F] + le32(0x3FFF) + [0, 0, 0, 0])
  // VP8X: 24-bit canvas sizes minus one.
  let vp8x = riff("VP8X", [0x10, 0, 0, 0] + [0xFF, 0xFF, 0x00] + [0x01, 0x00, 0x01] + [0, 0])
  #expect(try ImageHeader(parsing: vp8).storedSize == ImageSize(height: 750, width: 1000))
  #expect(try ImageHeader(parsing: vp8l).storedSize == ImageSize(height: 1, width: 16384))
  #expect(try ImageHeader(parsing: vp8x).storedSize == ImageSize(height: 65538, width: 65536))
  var badStart = vp8
  badStart[23] = 0
  #expect(throws: FormatFailure.self) { try ImageHeader(parsing: badStart) }
  #expect(throws: FormatFailure.self) {
    try ImageHeader(parsing: riff("ALPH", [UInt8](repeating: 0, count: 12)))
  }
}

@Test func garbageAndEmptyInputsThrow() {
  #expect(throws: FormatFailure.self) { try ImageHeader(parsing: []) }
  #expect(throws: FormatFailure.self) { try ImageHeader(parsing: Array("<annotation>".utf8)) }
}

@Test(arguments: 0..<8)
func randomlyCorruptedHeadersNeverCrash(seed: Int) throws {
  var rng = SplitMix64(state: UInt64(seed))
  let fixtures = try FormatFixtures.goldenImages("image_sizes_fixtures.json")
  for golden in fixtures {
    let original = [UInt8](try Data(contentsOf: FormatFixtures.fixture("images/\(golden.file)")))
    for _ in 0..<200 {
      var bytes = original
      for _ in 0..<Int.random(in: 1...6, using: &rng) {
        let at = Int.random(in: 0..<min(bytes.count, 64), using: &rng)
        bytes[at] = UInt8.random(in: 0...255, using: &rng)
      }
      // Either a positive size or a thrown failure: both are fine, a trap is not.
      if let header = try? ImageHeader(parsing: bytes) {
        #expect(header.storedSize.width > 0 && header.storedSize.height > 0)
      }
    }
  }
}

// MARK: - Files

@Test func readingFilesFollowsLinksButNeverOpensAFIFO() throws {
  let dir = try FormatFixtures.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let png = FormatFixtures.fixture("images/rgb_7x5.png")
  let link = dir.appendingPathComponent("link.png")
  try FileManager.default.createSymbolicLink(at: link, withDestinationURL: png)
  #expect(try ImageHeader.read(contentsOf: link).storedSize == ImageSize(height: 5, width: 7))
  #expect(try ImageHeader(bytes: [UInt8](try Data(contentsOf: png))).format == .png)

  let fifo = dir.appendingPathComponent("pipe.jpg")
  #expect(mkfifo(fifo.path, 0o600) == 0)
  let error = #expect(throws: StoreError.self) { try ImageHeader.read(contentsOf: fifo) }
  #expect(error?.code == .io && error?.message.contains("not a regular file") == true)
  let missing = #expect(throws: StoreError.self) {
    try ImageHeader.read(contentsOf: dir.appendingPathComponent("none.png"))
  }
  #expect(missing?.code == .io)
  let garbage = #expect(throws: StoreError.self) {
    try ImageHeader(bytes: Array("not an image".utf8))
  }
  #expect(
    garbage?.code == .malformedInput
      && garbage?.description.contains("unrecognised image signature") == true)
}
