import Foundation
import Testing

@testable import DetGeometry

/// fixtures/golden/boxes_iou.json: torchvision 0.29.2 in float32 (tools/golden_boxes.py).
private struct IoUGolden: Decodable {
  var a: [Float]
  var b: [Float]
  // swift-format-ignore: AlwaysUseLowerCamelCase
  var pairwise_iou, pairwise_giou, pairwise_diou, pairwise_ciou: [Float?]
  // swift-format-ignore: AlwaysUseLowerCamelCase
  var elementwise_iou, elementwise_giou, elementwise_diou, elementwise_ciou: [Float?]
  // swift-format-ignore: AlwaysUseLowerCamelCase
  var loss_giou, loss_diou, loss_ciou: [Float?]

  func pairwise(_ kind: IoUKind) -> [Float?] {
    switch kind {
    case .iou: pairwise_iou
    case .giou: pairwise_giou
    case .diou: pairwise_diou
    case .ciou: pairwise_ciou
    }
  }

  func elementwise(_ kind: IoUKind) -> [Float?] {
    switch kind {
    case .iou: elementwise_iou
    case .giou: elementwise_giou
    case .diou: elementwise_diou
    case .ciou: elementwise_ciou
    }
  }

  static let shared = try! loadBoxGolden("boxes_iou.json", as: IoUGolden.self)
}

/// IoU, GIoU and DIoU use only + - * / min max, in torchvision's order: equal bit for bit.
@Test(arguments: [IoUKind.iou, .giou, .diou])
func pairwiseMatchesTorchvisionBitForBit(kind: IoUKind) {
  let g = IoUGolden.shared
  let mine = pairwiseIoU(BoxArray(flat: g.a), BoxArray(flat: g.b), kind: kind)
  let theirs = g.pairwise(kind)
  #expect(mine.count == theirs.count)
  var nanCases = 0
  for (k, (m, t)) in zip(mine, theirs).enumerated() {
    if let t {
      #expect(m.bitPattern == t.bitPattern, "\(kind) entry \(k): \(m) vs torchvision \(t)")
    } else {
      nanCases += 1
      #expect(m.isFinite, "\(kind) entry \(k): torchvision NaN, detkit must be finite, got \(m)")
    }
  }
  // The fixture holds the two zero-area identical pairs (zero width, point): NaN there.
  #expect(nanCases >= 2)
}

/// Where torchvision's 0/0 gives NaN (two zero-area boxes), detkit's IoU is 0.
@Test func zeroAreaPairsHaveIoUZero() {
  let line = BoxArray([Box(x1: 3, y1: 3, x2: 3, y2: 9), Box(x1: 4, y1: 4, x2: 4, y2: 4)])
  #expect(pairwiseIoU(line, line) == [0, 0, 0, 0])
  #expect(elementwiseIoU(line, line, kind: .giou) == [0, 0])
  for kind in IoUKind.allCases {
    #expect(pairwiseIoU(line, line, kind: kind).allSatisfy { $0.isFinite }, "\(kind)")
  }
}

/// The bound `pairwiseIoU`'s doc and the README state for CIoU: at most 2 ulp of 1.0
/// (2.4e-7) from torchvision, absolute. CIoU goes through `atan`, which torch takes from
/// SLEEF and detkit from the C library (neither correctly rounded).
let completeIoUBound: Float = 2 * Float.ulpOfOne

/// CIoU against torchvision on the special pairs (nested, disjoint, huge, tiny, thin ...).
@Test func pairwiseCompleteIoUMatchesTorchvisionWithinTheStatedBound() {
  let g = IoUGolden.shared
  let mine = pairwiseIoU(BoxArray(flat: g.a), BoxArray(flat: g.b), kind: .ciou)
  for (k, (m, t)) in zip(mine, g.pairwise_ciou).enumerated() {
    if let t {
      #expect(abs(m - t) <= completeIoUBound, "ciou entry \(k): \(m) vs torchvision \(t)")
    } else {
      #expect(m.isFinite)
    }
  }
}

/// A float32 little-endian C-order NPY file of fixtures/golden (version 1 header).
private func goldenFloat32NPY(_ name: String) throws -> (shape: [Int], values: [Float]) {
  var root = URL(fileURLWithPath: #filePath)
  while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
    root.deleteLastPathComponent()
  }
  let bytes = [UInt8](try Data(contentsOf: root.appendingPathComponent("fixtures/golden/\(name)")))
  try #require(bytes.count > 10 && bytes[0] == 0x93 && bytes[6] == 1)
  let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
  let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
  try #require(header.contains("'descr': '<f4'") && header.contains("'fortran_order': False"))
  let shapeText = try #require(header.split(separator: "(").last?.split(separator: ")").first)
  let shape = shapeText.split(separator: ",").compactMap {
    Int($0.trimmingCharacters(in: .whitespaces))
  }
  let data = bytes[(10 + headerLength)...]
  let values = stride(from: data.startIndex, to: data.endIndex, by: 4).map { i in
    Float(
      bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16
        | UInt32(data[i + 3]) << 24)
  }
  try #require(values.count == shape.reduce(1, *))
  return (shape, values)
}

/// 120 x 150 random pairs (tools/golden_boxes.py, seed 20261207): a set in which the
/// difference reaches the stated bound. Near 0 the difference is many ulps of the value, so
/// only the absolute bound is asserted.
@Test func randomPairwiseCompleteIoUMatchesTorchvisionWithinTheStatedBound() throws {
  let a = try goldenFloat32NPY("boxes_ciou_random_a.npy")
  let b = try goldenFloat32NPY("boxes_ciou_random_b.npy")
  let theirs = try goldenFloat32NPY("boxes_ciou_random_torchvision.npy")
  #expect(a.shape == [120, 4] && b.shape == [150, 4] && theirs.shape == [120, 150])
  let mine = pairwiseIoU(BoxArray(flat: a.values), BoxArray(flat: b.values), kind: .ciou)
  try #require(mine.count == theirs.values.count)
  var outside = 0
  for (k, (m, t)) in zip(mine, theirs.values).enumerated() where !(abs(m - t) <= completeIoUBound) {
    outside += 1
    if outside <= 5 { Issue.record("ciou entry \(k): \(m) vs torchvision \(t)") }
  }
  #expect(outside == 0, "\(outside) of \(mine.count) entries beyond \(completeIoUBound)")
}

@Test(arguments: IoUKind.allCases)
func elementwiseMatchesTorchvisionDiagonal(kind: IoUKind) {
  let g = IoUGolden.shared
  let n = g.elementwise(kind).count
  let a = BoxArray(flat: Array(g.a.prefix(4 * n)))
  let b = BoxArray(flat: Array(g.b.prefix(4 * n)))
  let mine = elementwiseIoU(a, b, kind: kind)
  for (k, (m, t)) in zip(mine, g.elementwise(kind)).enumerated() {
    guard let t else { continue }
    if kind == .ciou {
      #expect(abs(m - t) <= completeIoUBound, "entry \(k)")  // see completeIoUBound
    } else {
      #expect(m.bitPattern == t.bitPattern, "\(kind) entry \(k): \(m) vs \(t)")
    }
  }
}

/// torchvision's losses add eps = 1e-7 to the union and the enclosing area, so 1 - loss
/// differs from the pairwise functions by about eps / area (at most ~1e-4 for the fixture's
/// 1e-3-pixel tiny box, far less elsewhere): compare loosely, skipping the tiny pair.
@Test func elementwiseAgreesWithTorchvisionLossesUpToTheirEps() {
  let g = IoUGolden.shared
  let n = g.loss_giou.count
  let a = BoxArray(flat: Array(g.a.prefix(4 * n)))
  let b = BoxArray(flat: Array(g.b.prefix(4 * n)))
  let cases: [(IoUKind, [Float?])] = [
    (.giou, g.loss_giou), (.diou, g.loss_diou), (.ciou, g.loss_ciou),
  ]
  for (kind, losses) in cases {
    let mine = elementwiseIoU(a, b, kind: kind)
    for i in 0..<n where i != 7 {
      guard let loss = losses[i], a[i].area > 0 && b[i].area > 0 else { continue }
      #expect(abs((1 - loss) - mine[i]) <= 2e-6, "\(kind) pair \(i)")
    }
  }
}

/// REFERENCE.md TV6: [0,0,10,10] vs [5,5,20,15] and the disjoint [20,20,30,40].
@Test func referenceVectorTV6() {
  let p = BoxArray([Box(x1: 0, y1: 0, x2: 10, y2: 10)])
  let q = BoxArray([Box(x1: 5, y1: 5, x2: 20, y2: 15)])
  let r = BoxArray([Box(x1: 20, y1: 20, x2: 30, y2: 40)])
  #expect(abs(Double(pairwiseIoU(p, q)[0]) - 0.1111111111111111) < 1e-7)
  #expect(abs(Double(1 - pairwiseIoU(p, q, kind: .giou)[0]) - 1.1388888888549382) < 1e-6)
  #expect(abs(Double(1 - pairwiseIoU(p, q, kind: .diou)[0]) - 1.0188888889174716) < 1e-6)
  #expect(abs(Double(1 - pairwiseIoU(p, q, kind: .ciou)[0]) - 1.0191645494451977) < 1e-6)
  #expect(abs(Double(1 - pairwiseIoU(p, r, kind: .giou)[0]) - 1.7499999999375) < 1e-6)
  #expect(abs(Double(1 - pairwiseIoU(p, r, kind: .diou)[0]) - 1.4099999999836) < 1e-6)
  #expect(abs(Double(1 - pairwiseIoU(p, r, kind: .ciou)[0]) - 1.4116894606829955) < 1e-6)
}

@Test(arguments: 0..<8)
func iouFamilyProperties(seed: UInt64) {
  var rng = SyntheticBoxes.SplitMix64(state: seed)
  let a = randomBoxes(13, using: &rng)
  let b = randomBoxes(29, using: &rng)
  for kind in IoUKind.allCases {
    let ab = pairwiseIoU(a, b, kind: kind)
    let ba = pairwiseIoU(b, a, kind: kind)
    for i in 0..<a.count {
      for j in 0..<b.count {
        #expect(ab[i * b.count + j] == ba[j * a.count + i], "\(kind) symmetric")
      }
    }
    let bounds: ClosedRange<Float> = kind == .iou ? 0...1 : -1...1
    if kind != .ciou { #expect(ab.allSatisfy { bounds.contains($0) }, "\(kind) in \(bounds)") }
    #expect(ab.allSatisfy { $0 <= 1 })
    #expect(elementwiseIoU(a, a, kind: kind).allSatisfy { $0 == 1 }, "\(kind) of a box with itself")
  }
  // GIoU <= IoU, DIoU <= IoU, CIoU <= DIoU. The GIoU penalty (C - U) / C can come out one
  // rounding below 0 when the enclosing box is the union (nested boxes): allow 1e-6.
  let iou = pairwiseIoU(a, b)
  let giou = pairwiseIoU(a, b, kind: .giou)
  let diou = pairwiseIoU(a, b, kind: .diou)
  let ciou = pairwiseIoU(a, b, kind: .ciou)
  for k in iou.indices {
    #expect(giou[k] <= iou[k] + 1e-6 && diou[k] <= iou[k] && ciou[k] <= diou[k])
  }
}

/// The SIMD tiles, their tails and the multi-core split give the scalar helper's bits, on
/// every kernel variant this CPU runs; 40 x 60,001 (9.6 MB) also takes the huge-page path
/// of large results, and 2 x 70,001 the multi-core transposition of `b`.
@Test(arguments: [(1, 1), (3, 7), (5, 9), (2, 2049), (30, 5003), (40, 60_001), (2, 70_001)])
func pairwiseEqualsScalarPairIoU(n: Int, m: Int) {
  var rng = SyntheticBoxes.SplitMix64(state: UInt64(n * 10_007 + m))
  var a = randomBoxes(n, using: &rng)
  let b = randomBoxes(m, using: &rng)
  a[0] = Box(x1: 5, y1: 5, x2: 5, y2: 30)  // zero width
  // Each variant with and without non-temporal stores (used for results of 32 MiB and
  // more, forced here).
  let runs = KernelVariant.supported.flatMap { variant in [false, true].map { (variant, $0) } }
  check: for (variant, streaming) in runs {
    let matrix = pairwiseIoU(a, b, kind: .iou, variant: variant, streaming: streaming)
    #expect(matrix.count == n * m)
    for i in 0..<n {
      for j in 0..<m where matrix[i * m + j].bitPattern != pairIoU(a[i], b[j]).bitPattern {
        Issue.record(
          "\(variant) streaming \(streaming) entry (\(i), \(j)): \(matrix[i * m + j]) vs \(pairIoU(a[i], b[j]))"
        )
        continue check
      }
    }
  }
  let diagonal = elementwiseIoU(BoxArray(b.prefix(m)), BoxArray(b.reversed()))
  for j in 0..<m {
    #expect(diagonal[j] == pairIoU(b[j], b[m - 1 - j]))
  }
}

/// `pairwiseIoU(_:_:kind:into:)` overwrites every entry of the caller's buffer (filled with
/// a NaN sentinel first) with the scalar helper's bits, on every variant with and without
/// non-temporal stores, through both ways of splitting the work on a machine of up to nine
/// cores (blocks of rows for 37 and 100 rows, column ranges for 3 and 5; see also
/// `tileSeamsHoldInBothSplits`); the other kinds give the
/// fresh array's bits. A slice of a larger buffer leaves the rest alone, and its start
/// need not be aligned (`offset` floats into the buffer).
@Test(arguments: [(3, 2049, 0), (37, 5003, 3), (100, 701, 0), (5, 3001, 1), (9, 1041, 15)])
func pairwiseIntoWritesTheFreshResult(n: Int, m: Int, offset: Int) {
  var rng = SyntheticBoxes.SplitMix64(state: UInt64(n * 7919 + m))
  var a = randomBoxes(n, using: &rng)
  let b = randomBoxes(m, using: &rng)
  a[n - 1] = Box(x1: 40, y1: 40, x2: 20, y2: 60)  // inverted: negative area
  let sentinel = Float(nan: 0x2A, signaling: false)
  var buffer = [Float](repeating: sentinel, count: offset + n * m + 5)
  let runs = KernelVariant.supported.flatMap { variant in [false, true].map { (variant, $0) } }
  check: for (variant, streaming) in runs {
    for k in buffer.indices { buffer[k] = sentinel }
    buffer.withUnsafeMutableBufferPointer { out in
      pairwiseIoU(
        a, b, kind: .iou, variant: variant, streaming: streaming,
        into: UnsafeMutableBufferPointer(rebasing: out[offset..<(offset + n * m)]))
    }
    for i in 0..<n {
      for j in 0..<m
      where buffer[offset + i * m + j].bitPattern != pairIoU(a[i], b[j]).bitPattern {
        Issue.record(
          "\(variant) streaming \(streaming) entry (\(i), \(j)): \(buffer[offset + i * m + j]) vs \(pairIoU(a[i], b[j]))"
        )
        continue check
      }
    }
    #expect(buffer[..<offset].allSatisfy { $0.bitPattern == sentinel.bitPattern })
    #expect(buffer[(offset + n * m)...].allSatisfy { $0.bitPattern == sentinel.bitPattern })
  }
  for kind in [IoUKind.giou, .diou, .ciou] {
    var out = [Float](repeating: sentinel, count: n * m)
    out.withUnsafeMutableBufferPointer { pairwiseIoU(a, b, kind: kind, into: $0) }
    #expect(
      out.map(\.bitPattern) == pairwiseIoU(a, b, kind: kind).map(\.bitPattern), "\(kind)")
  }
}

/// Both ways the C path splits the work, whatever this machine's core count: one row
/// (column ranges across cores) and two more rows than four a core (blocks of rows),
/// over three 1,024-column tiles whose seams each row shifts to its own 64-byte lines, into
/// destinations starting 0, 3 and 15 floats past a line, with and without non-temporal
/// stores, on every variant, and into a destination of +0 that the kernel is told is
/// zeroed (so it skips the all-zero groups): the scalar helper's bits, and nothing written
/// outside.
@Test func tileSeamsHoldInBothSplits() {
  var rng = SyntheticBoxes.SplitMix64(state: 2_500)
  let m = 2_500
  let b = randomBoxes(m, using: &rng)
  let cores = ProcessInfo.processInfo.activeProcessorCount
  let sentinel = Float(nan: 0x15, signaling: false)
  for n in [1, 4 * cores + 2] {
    let a = randomBoxes(n, using: &rng)
    for offset in [0, 3, 15] {
      let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: 16 + n * m + 16)
      defer { buffer.deallocate() }
      let lineStart = (64 - Int(bitPattern: buffer.baseAddress!) % 64) % 64 / 4
      let start = lineStart + offset
      for variant in KernelVariant.supported where variant != .swiftSIMD {
        for streaming in [false, true] {
          for zeroed in [false, true] {
            buffer.initialize(repeating: sentinel)
            if zeroed { buffer[start..<(start + n * m)].update(repeating: 0) }
            pairwiseIoU(
              a, b, kind: .iou, variant: variant, streaming: streaming, zeroed: zeroed,
              into: UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + n * m)]))
            let context =
              "n \(n) offset \(offset) \(variant) streaming \(streaming) zeroed \(zeroed)"
            let mismatch = (0..<(n * m)).first { k in
              buffer[start + k].bitPattern != pairIoU(a[k / m], b[k % m]).bitPattern
            }
            #expect(mismatch == nil, "\(context): entry \(mismatch ?? 0)")
            #expect(
              buffer[..<start].allSatisfy { $0.bitPattern == sentinel.bitPattern }, "\(context)")
            #expect(
              buffer[(start + n * m)...].allSatisfy { $0.bitPattern == sentinel.bitPattern },
              "\(context)")
          }
        }
      }
    }
  }
}

/// Told that the destination already holds +0, the C kernels write no group of 16 entries
/// that comes out all +0: with every pair apart, a line-aligned destination of 16-column
/// groups keeps its sentinel in full on every variant, with and without non-temporal
/// stores, in both splits; without the promise every entry is written.
@Test func zeroedDestinationSkipsTheAllZeroGroups() {
  let m = 4_096
  let b = BoxArray((0..<m).map { j in Box(x1: 0, y1: Float(j) * 10, x2: 5, y2: Float(j) * 10 + 5) })
  let cores = ProcessInfo.processInfo.activeProcessorCount
  let sentinel = Float(nan: 0x3C, signaling: false)
  for n in [1, 4 * cores + 2] {
    let a = BoxArray(
      (0..<n).map { i in Box(x1: 100, y1: Float(i) * 10, x2: 105, y2: Float(i) * 10 + 5) })
    let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: 16 + n * m)
    defer { buffer.deallocate() }
    let start = (64 - Int(bitPattern: buffer.baseAddress!) % 64) % 64 / 4
    let destination = UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + n * m)])
    for variant in KernelVariant.supported where variant != .swiftSIMD {
      for streaming in [false, true] {
        let context = "n \(n) \(variant) streaming \(streaming)"
        destination.update(repeating: sentinel)
        pairwiseIoU(
          a, b, kind: .iou, variant: variant, streaming: streaming, zeroed: true,
          into: destination)
        #expect(destination.allSatisfy { $0.bitPattern == sentinel.bitPattern }, "\(context)")
        pairwiseIoU(
          a, b, kind: .iou, variant: variant, streaming: streaming, into: destination)
        #expect(destination.allSatisfy { $0.bitPattern == Float(0).bitPattern }, "\(context)")
      }
    }
  }
}

/// The first entry of the row-major matrix of `a` x `b` that differs from the scalar
/// helper's: in its bits, or, where the helper gives NaN, by not being NaN (NaN payloads
/// differ between instruction sets).
private func firstScalarMismatch(_ matrix: [Float], _ a: BoxArray, _ b: BoxArray) -> (
  row: Int, column: Int, got: Float, expected: Float
)? {
  for i in 0..<a.count {
    for j in 0..<b.count {
      let (got, expected) = (matrix[i * b.count + j], pairIoU(a[i], b[j]))
      if expected.isNaN ? !got.isNaN : got.bitPattern != expected.bitPattern {
        return (i, j, got, expected)
      }
    }
  }
  return nil
}

/// `m` boxes in narrow bands along x, as an FPN grid's anchors lie in bands along each
/// feature row: box j spans x in [j / 4, j / 4 + 3], so each 1,024-column tile of the C
/// kernels covers about 260 units of x, and most rows miss most tiles.
private func bandedBoxes(_ m: Int) -> [Box] {
  (0..<m).map { j in
    let x = Float(j) / 4
    let y = 100 + Float(j % 7) * 10
    return Box(x1: x, y1: y, x2: x + 3, y2: y + 50)
  }
}

/// The C kernels skip a row's part of a tile when its box lies wholly on one side of the
/// extent of the tile's boxes, where every IoU is +0. On banded columns (tiles of columns
/// 0, 1,024, 2,048, 3,072 and 4,096 on), with the boxes that make a skipped tile's values
/// other than +0 planted where rows miss the tile's extent (a NaN coordinate:
/// NaN; inverted boxes of negative area larger than the row's: -0; a row whose height
/// overflows against a column that spans it: 0 x inf, NaN), rows of negative area or with
/// a NaN, and rows the shortcut takes (touching a tile's edge, on it at -0, below every
/// tile, inverted with a positive area, far off): the scalar helper's results, on every
/// variant, with and without non-temporal stores, fresh, into a buffer of NaN, and into a
/// zeroed destination that the kernels are told is zeroed, in both splits of the work.
@Test func tilesThatMissARowKeepTheScalarResults() {
  let m = 5_003
  var columns = bandedBoxes(m)
  // Among the second tile's last 15 columns, which its extent takes one by one after the
  // groups of 16, and which the third tile's rows may start at (up to 15 columns early,
  // on a 64-byte line): area -1,000.
  columns[2_040] = Box(x1: 533, y1: columns[2_040].y1, x2: 513, y2: columns[2_040].y2)
  columns[3_700] = Box(x1: 925, y1: -3e38, x2: 928, y2: 3e38)  // area +inf
  columns[4_400] = Box(x1: .nan, y1: 100, x2: 1_103, y2: 150)
  columns[4_600] = Box(x1: 1_160, y1: 100, x2: 1_140, y2: 400)  // area -6,000
  let b = BoxArray(columns)
  let rows = [
    Box(x1: 1_200, y1: 100, x2: 1_210, y2: 110),  // right of all tiles but the last
    Box(x1: 0, y1: -3e38, x2: 10, y2: 3e38),  // area +inf, left of the overflowing box
    Box(x1: 1_000, y1: 100, x2: 1_020.25, y2: 200),  // touches the last tile's left edge
    Box(x1: -5, y1: 100, x2: -0.0, y2: 120),  // ends at -0, where the first tile starts
    Box(x1: 1_240, y1: 300, x2: 1_230, y2: 290),  // inverted, area +100
    Box(x1: 100, y1: 900, x2: 200, y2: 950),  // below every tile but the overflowing one
    Box(x1: 300, y1: 120, x2: 340, y2: 160),  // overlaps some columns
    Box(x1: -10, y1: 120, x2: 0.5, y2: 130),  // overlaps the first tile's first columns
    Box(x1: 1_260, y1: 100, x2: 1_250, y2: 140),  // area -400, right of every tile: -0
    Box(x1: 1_200, y1: .nan, x2: 1_210, y2: 110),  // NaN
  ]
  // Rows that meet only the last columns of a tile (those its extent takes one by one,
  // after its groups of 16) and the next tile's first; the last one meets only column
  // 5,002, the last tile's last.
  let tileEnds = [1_023, 2_047, 3_071, 4_095, 5_002].map { j in
    Box(x1: Float(j) / 4 + 2.9, y1: 100, x2: Float(j) / 4 + 2.95, y2: 200)
  }
  let all = rows + tileEnds
  // Three rows at a time (column ranges across the cores), and all of them and more
  // (blocks of rows), where each row starts at its own offset from a 64-byte line.
  let cores = ProcessInfo.processInfo.activeProcessorCount
  let blocks = (0..<(all.count + 4 * cores)).map { all[$0 % all.count] }
  let cases = stride(from: 0, to: all.count, by: 3).map { Array(all[$0..<min($0 + 3, all.count)]) }
  for rowBoxes in cases + [blocks] {
    let (a, n) = (BoxArray(rowBoxes), rowBoxes.count)
    let sentinel = Float(nan: 0x51, signaling: false)
    var buffer = [Float](repeating: sentinel, count: n * m)
    for variant in KernelVariant.supported {
      for streaming in [false, true] {
        let fresh = pairwiseIoU(a, b, kind: .iou, variant: variant, streaming: streaming)
        var matrices = [("fresh", fresh)]
        if variant != .swiftSIMD {
          for zeroed in [false, true] {
            buffer.withUnsafeMutableBufferPointer { out in
              out.update(repeating: zeroed ? 0 : sentinel)
              pairwiseIoU(
                a, b, kind: .iou, variant: variant, streaming: streaming, zeroed: zeroed,
                into: out)
            }
            matrices.append((zeroed ? "zeroed" : "into NaN", buffer))
          }
        }
        for (name, matrix) in matrices {
          if let bad = firstScalarMismatch(matrix, a, b) {
            Issue.record(
              "n \(n) \(variant) streaming \(streaming) \(name): (\(bad.row), \(bad.column)) is \(bad.got), expected \(bad.expected)"
            )
          }
        }
      }
    }
  }
  // The planted values, so the checks above cover them.
  let negativeZero = (-Float(0)).bitPattern
  #expect(pairIoU(rows[5], columns[4_400]).isNaN)
  #expect(pairIoU(rows[0], columns[2_040]).bitPattern == negativeZero)
  #expect(pairIoU(rows[5], columns[4_600]).bitPattern == negativeZero)
  #expect(pairIoU(rows[8], columns[0]).bitPattern == negativeZero)
  #expect(pairIoU(rows[1], columns[3_700]).isNaN)
}

/// Told the destination is zeroed, the C kernels write nothing of a row's part of a tile
/// it misses, not even the entries before the first 64-byte line or after the last 16-column
/// group, which rows that meet the tile write one by one: into a destination 3 floats past
/// a line, 3,001 columns, rows to the right of and below every tile, in both splits, every
/// variant, with and without non-temporal stores, every entry keeps its sentinel.
@Test func zeroedDestinationKeepsMissedTilesUnwritten() {
  let m = 3_001
  let b = BoxArray(bandedBoxes(m))
  let cores = ProcessInfo.processInfo.activeProcessorCount
  let sentinel = Float(nan: 0x6B, signaling: false)
  for n in [2, 4 * cores + 2] {
    let a = BoxArray(
      (0..<n).map { i -> Box in
        let offset = Float(i)
        if i % 2 == 0 { return Box(x1: 800, y1: offset, x2: 810, y2: offset + 10) }
        return Box(x1: offset, y1: 500, x2: offset + 10, y2: 510)
      })
    let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: 32 + n * m)
    defer { buffer.deallocate() }
    let start = (64 - Int(bitPattern: buffer.baseAddress!) % 64) % 64 / 4 + 3
    let destination = UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + n * m)])
    for variant in KernelVariant.supported where variant != .swiftSIMD {
      for streaming in [false, true] {
        destination.update(repeating: sentinel)
        pairwiseIoU(
          a, b, kind: .iou, variant: variant, streaming: streaming, zeroed: true,
          into: destination)
        let written = destination.firstIndex { $0.bitPattern != sentinel.bitPattern }
        #expect(written == nil, "n \(n) \(variant) streaming \(streaming): entry \(written ?? 0)")
      }
    }
  }
}

/// A plain IoU matrix of 32 MiB or more (33 x 262,144, written with non-temporal stores) on
/// zero pages: into a fresh mapping that `zeroFreshPages(_:)` accepts, with the kernels told
/// it is zeroed (so they skip the all-zero groups), and as a fresh array (which takes that
/// path when the allocator hands over fresh memory): the same bits as the matrix written
/// whole into a buffer of NaN, on every variant.
@Test func largeMatrixOnZeroPagesEqualsTheWrittenOne() throws {
  var rng = SyntheticBoxes.SplitMix64(state: 262_144)
  let a = randomBoxes(33, extent: 4_000, using: &rng)
  let b = randomBoxes(262_144, extent: 4_000, using: &rng)
  let count = a.count * b.count
  let bytes = count * MemoryLayout<Float>.stride
  var written = [Float](repeating: .nan, count: count)
  for variant in KernelVariant.supported where variant != .swiftSIMD {
    written.withUnsafeMutableBufferPointer { out in
      out.update(repeating: .nan)
      pairwiseIoU(a, b, kind: .iou, variant: variant, into: out)
    }
    var zeros = 0
    for value in written where value == 0 { zeros += 1 }
    #expect(zeros > count / 2 && zeros < count, "\(variant): \(zeros) of \(count) are 0")
    let fresh = pairwiseIoU(a, b, kind: .iou, variant: variant)
    #expect(
      fresh.withUnsafeBytes { f in
        written.withUnsafeBytes { w in memcmp(f.baseAddress!, w.baseAddress!, bytes) == 0 }
      }, "\(variant) fresh array")
    #if os(Linux)
      let mapping = try #require(
        mmap(nil, bytes + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
      try #require(mapping != MAP_FAILED)
      defer { munmap(mapping, bytes + 4096) }
      // Starting mid-page, as an array's elements do.
      let start = (mapping + 48).bindMemory(to: Float.self, capacity: count)
      let destination = UnsafeMutableBufferPointer(start: start, count: count)
      try #require(zeroFreshPages(UnsafeMutableRawBufferPointer(destination)))
      pairwiseIoU(a, b, kind: .iou, variant: variant, zeroed: true, into: destination)
      #expect(
        written.withUnsafeBytes { memcmp($0.baseAddress!, start, bytes) == 0 },
        "\(variant) zero pages")
    #endif
  }
}

@Test func pairwiseIntoRejectsAWrongSizedBuffer() async {
  await #expect(processExitsWith: .failure) {
    let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: 5)
    pairwiseIoU(BoxArray(zeros: 2), BoxArray(zeros: 3), into: buffer)
  }
  await #expect(processExitsWith: .failure) {
    let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: 7)
    pairwiseIoU(BoxArray(zeros: 2), BoxArray(zeros: 3), into: buffer)
  }
}

/// Rows the lane kernel's no-overlap shortcut must not swallow: an inverted box (negative
/// area, so a negative union and -0), a zero-area box, a NaN box (NaN everywhere) and a
/// box far from every column (all +0), against the scalar helper bit for bit, on every
/// kernel variant this CPU runs; and the same into a destination of +0 that the C kernels
/// are told is zeroed (a negative or zero union must still be written).
@Test(arguments: KernelVariant.supported)
func laneKernelKeepsTheScalarResultsOnDegenerateRows(variant: KernelVariant) {
  var rng = SyntheticBoxes.SplitMix64(state: 11)
  let b = randomBoxes(4_003, using: &rng)
  let rows = [
    Box(x1: 300, y1: 300, x2: 100, y2: 100), Box(x1: 50, y1: 50, x2: 50, y2: 50),
    Box(x1: .nan, y1: 0, x2: 10, y2: 10), Box(x1: 1e6, y1: 1e6, x2: 1e6 + 5, y2: 1e6 + 5),
    Box(x1: 0, y1: 0, x2: 800, y2: 800),
  ]
  var zeroedMatrix = [Float](repeating: 0, count: rows.count * b.count)
  if variant != .swiftSIMD {
    zeroedMatrix.withUnsafeMutableBufferPointer { out in
      pairwiseIoU(BoxArray(rows), b, kind: .iou, variant: variant, zeroed: true, into: out)
    }
  }
  let matrices =
    [("fresh", pairwiseIoU(BoxArray(rows), b, kind: .iou, variant: variant))]
    + (variant != .swiftSIMD ? [("zeroed destination", zeroedMatrix)] : [])
  for (name, matrix) in matrices {
    if let bad = firstScalarMismatch(matrix, BoxArray(rows), b) {
      Issue.record(
        "\(variant) \(name) row \(bad.row), column \(bad.column): \(bad.got) vs \(bad.expected)")
    }
    #expect(matrix[(3 * b.count)..<(4 * b.count)].allSatisfy { $0.bitPattern == 0 }, "\(name)")
    #expect(matrix[(2 * b.count)..<(3 * b.count)].allSatisfy { $0.isNaN }, "\(name)")
  }
}

@Test func emptyInputsGiveEmptyResults() {
  let some = BoxArray([Box(x1: 0, y1: 0, x2: 1, y2: 1)])
  for kind in IoUKind.allCases {
    #expect(pairwiseIoU(BoxArray(), some, kind: kind).isEmpty)
    #expect(pairwiseIoU(some, BoxArray(), kind: kind).isEmpty)
    #expect(elementwiseIoU(BoxArray(), BoxArray(), kind: kind).isEmpty)
    pairwiseIoU(
      BoxArray(), some, kind: kind, into: UnsafeMutableBufferPointer(start: nil, count: 0))
  }
}

@Test func elementwiseRejectsUnequalCounts() async {
  await #expect(processExitsWith: .failure) {
    _ = elementwiseIoU(BoxArray(zeros: 2), BoxArray(zeros: 3))
  }
}

/// This CPU's variants include the portable Swift kernels and the C baseline; on x86-64
/// the widest one is the one the public functions use.
@Test func kernelVariantsListTheReferenceAndTheBaseline() {
  #expect(KernelVariant.supported.prefix(2) == [.swiftSIMD, .baseline])
  #expect(KernelVariant.active == KernelVariant.supported.last)
  #expect(!KernelVariant.buildTarget.isEmpty)
}
