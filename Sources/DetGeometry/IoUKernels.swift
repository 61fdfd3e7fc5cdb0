import DetSupport
import Foundation

/// One box's fields as the IoU kernels read them.
struct BoxFields {
  var x1, y1, x2, y2: Float
  /// `(x2 - x1) * (y2 - y1)`, not clamped (torchvision `box_area`).
  var area: Float
  /// `atan(w / h)`, filled only for CIoU.
  var aspect: Float
}

/// Boxes transposed to structure-of-arrays storage, so the inner loops read each field
/// contiguously and the compiler vectorises them.
///
/// The fields live in one allocation, one after another (`x1` of every box, then `y1`, ...):
/// for the W-FPN anchors that is one 5.4 MB block instead of five 1 MB arrays. Besides
/// halving the passes over the boxes, that lets glibc's malloc keep the freed block in its
/// heap and hand it back on the next call (its mmap threshold adapts to a freed block's
/// size), where five arrays came back as fresh pages every call: about 1,900 page faults
/// and 3 ms of system time per W-FPN IoU matrix.
struct BoxColumns {
  let count: Int
  /// Whether `aspect` (the sixth field) is stored.
  let hasAspect: Bool
  /// Field `f` of box `i` at `f * count + i`, fields in the order x1, y1, x2, y2, area,
  /// aspect.
  private let storage: [Float]

  /// - Complexity: O(n), plus n `atan` calls when `aspect` is true.
  init(_ boxes: BoxArray, aspect withAspect: Bool) {
    let n = boxes.count
    let fieldCount = withAspect ? 6 : 5
    count = n
    hasAspect = withAspect
    storage = boxes.withUnsafeBufferPointer { boxes in
      [Float](unsafeUninitializedCapacity: fieldCount * n) { out, initialized in
        // Chunks read and write disjoint boxes; forEachChunk returns when all are done.
        nonisolated(unsafe) let (v, out) = (boxes, out)
        let chunks = ChunkPlan(count: n, minimumChunk: Self.parallelBoxesThreshold / 4)
        forEachChunk(chunks, parallel: n >= Self.parallelBoxesThreshold) { _, range in
          for i in range {
            let (x1, y1, x2, y2) = (v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3])
            out[i] = x1
            out[n + i] = y1
            out[2 * n + i] = x2
            out[3 * n + i] = y2
            out[4 * n + i] = (x2 - x1) * (y2 - y1)
            if withAspect { out[5 * n + i] = atanf((x2 - x1) / (y2 - y1)) }
          }
        }
        initialized = fieldCount * n
      }
    }
  }

  /// Boxes from which the transposition is split across cores (the W-FPN anchors' 268,569
  /// take about 0.7 ms on one core).
  private static let parallelBoxesThreshold = 1 << 16

  /// The box at `index`.
  func fields(_ index: Int) -> BoxFields {
    let n = count
    return BoxFields(
      x1: storage[index], y1: storage[n + index], x2: storage[2 * n + index],
      y2: storage[3 * n + index], area: storage[4 * n + index],
      aspect: hasAspect ? storage[5 * n + index] : 0)
  }
}

/// Raw pointers into a ``BoxColumns`` for the duration of a kernel run.
struct BoxColumnPointers: @unchecked Sendable {
  let x1, y1, x2, y2, area: UnsafePointer<Float>
  let aspect: UnsafePointer<Float>?

  @inline(__always)
  func load(_ index: Int, aspect withAspect: Bool) -> BoxFields {
    BoxFields(
      x1: x1[index], y1: y1[index], x2: x2[index], y2: y2[index], area: area[index],
      aspect: withAspect ? aspect![index] : 0)
  }
}

extension BoxColumns {
  /// Calls `body` with stable pointers to every column.
  func withPointers<R>(_ body: (BoxColumnPointers) throws -> R) rethrows -> R {
    let n = count
    return try storage.withUnsafeBufferPointer { fields in
      let base = fields.baseAddress!
      return try body(
        BoxColumnPointers(
          x1: base, y1: base + n, x2: base + 2 * n, y2: base + 3 * n, area: base + 4 * n,
          aspect: hasAspect ? base + 5 * n : nil))
    }
  }
}

/// One member of the IoU family on one pair, with torchvision's float32 op order. Written
/// with selects instead of branches so that the loops over boxes vectorise.
protocol IoUKernel: SendableMetatype {
  static var needsAspect: Bool { get }
  static func evaluate(_ a: BoxFields, _ b: BoxFields) -> Float
  /// Writes `evaluate(row, columns[j])` to `destination[j]` for every `j` in `range`.
  static func fillRow(
    _ row: BoxFields, _ columns: BoxColumnPointers, _ range: Range<Int>,
    into destination: UnsafeMutablePointer<Float>)
}

extension IoUKernel {
  /// The scalar loop, which the compiler vectorises.
  @inline(__always)
  static func fillRow(
    _ row: BoxFields, _ columns: BoxColumnPointers, _ range: Range<Int>,
    into destination: UnsafeMutablePointer<Float>
  ) {
    for j in range { destination[j] = evaluate(row, columns.load(j, aspect: needsAspect)) }
  }
}

/// `max(v, lo)` as a select (torch `clamp(min:)`, `torch.max` for finite values).
@inline(__always) private func larger(_ x: Float, _ y: Float) -> Float { x > y ? x : y }
/// `min(x, y)` as a select.
@inline(__always) private func smaller(_ x: Float, _ y: Float) -> Float { x < y ? x : y }

/// Plain IoU; also returns the union, which GIoU needs.
@inline(__always)
func iouFields(_ a: BoxFields, _ b: BoxFields) -> (iou: Float, union: Float) {
  let w = larger(smaller(a.x2, b.x2) - larger(a.x1, b.x1), 0)
  let h = larger(smaller(a.y2, b.y2) - larger(a.y1, b.y1), 0)
  let inter = w * h
  let union = (a.area + b.area) - inter
  let iou = inter / union
  return (union == 0 ? 0 : iou, union)
}

/// Width and height of the smallest enclosing box, clamped at 0 (`whi` in torchvision).
@inline(__always)
func enclosingFields(_ a: BoxFields, _ b: BoxFields) -> (w: Float, h: Float) {
  (
    larger(larger(a.x2, b.x2) - smaller(a.x1, b.x1), 0),
    larger(larger(a.y2, b.y2) - smaller(a.y1, b.y1), 0)
  )
}

/// `(diou, iou)` as torchvision's `_box_diou_iou`.
@inline(__always)
func diouFields(_ a: BoxFields, _ b: BoxFields) -> (diou: Float, iou: Float) {
  let iou = iouFields(a, b).iou
  let (ew, eh) = enclosingFields(a, b)
  let diagonal = (ew * ew + eh * eh) + IoUKind.eps
  let dx = (a.x1 + a.x2) / 2 - (b.x1 + b.x2) / 2
  let dy = (a.y1 + a.y2) / 2 - (b.y1 + b.y2) / 2
  let centres = dx * dx + dy * dy
  return (iou - centres / diagonal, iou)
}

enum PlainIoUKernel: IoUKernel {
  static var needsAspect: Bool { false }
  @inline(__always)
  static func evaluate(_ a: BoxFields, _ b: BoxFields) -> Float { iouFields(a, b).iou }

  /// 4 columns at a time with explicit SSE-width lanes: the same operations in the same
  /// order as ``iouFields(_:_:)``, each `a > b ? a : b` one `maxps` (the vectoriser's
  /// version of the scalar loop spends four instructions on every select), and no
  /// division where none of the 4 pairs overlaps: the ``KernelVariant/swiftSIMD`` loop. The
  /// C variants run the same operations 16 columns at a time (`detkit_iou_block`).
  @inline(__always)
  static func fillRow(
    _ row: BoxFields, _ columns: BoxColumnPointers, _ range: Range<Int>,
    into destination: UnsafeMutablePointer<Float>
  ) {
    let end = range.lowerBound + (range.count & ~3)
    iouLanes(
      SIMD4(repeating: row.x1), SIMD4(repeating: row.y1), SIMD4(repeating: row.x2),
      SIMD4(repeating: row.y2), SIMD4(repeating: row.area), columns, range.lowerBound..<end,
      into: destination)
    for j in end..<range.upperBound {
      destination[j] = evaluate(row, columns.load(j, aspect: false))
    }
  }
}

/// The lane loop of ``PlainIoUKernel/fillRow(_:_:_:into:)`` over `range` (a multiple of
/// 4 long), with the row box already broadcast.
///
/// Not inlined on purpose: when the broadcasts are built in the caller, LLVM hoists two
/// copies of each out of the loop, one for the comparison and one for the select, and no
/// longer recognises `minps` / `maxps`; as parameters they are single values.
@inline(never)
private func iouLanes(
  _ ax1: SIMD4<Float>, _ ay1: SIMD4<Float>, _ ax2: SIMD4<Float>, _ ay2: SIMD4<Float>,
  _ areaA: SIMD4<Float>, _ columns: BoxColumnPointers, _ range: Range<Int>,
  into destination: UnsafeMutablePointer<Float>
) {
  typealias Lanes = SIMD4<Float>
  @inline(__always) func load(_ p: UnsafePointer<Float>, _ j: Int) -> Lanes {
    UnsafeRawPointer(p + j).loadUnaligned(as: Lanes.self)
  }
  // `x > y ? x : y` and `x < y ? x : y`, the forms the backend turns into `maxps` / `minps`.
  @inline(__always) func larger(_ x: Lanes, _ y: Lanes) -> Lanes {
    y.replacing(with: x, where: x .> y)
  }
  @inline(__always) func smaller(_ x: Lanes, _ y: Lanes) -> Lanes {
    y.replacing(with: x, where: x .< y)
  }
  var j = range.lowerBound
  while j < range.upperBound {
    let w = larger(smaller(ax2, load(columns.x2, j)) - larger(ax1, load(columns.x1, j)), Lanes())
    let h = larger(smaller(ay2, load(columns.y2, j)) - larger(ay1, load(columns.y1, j)), Lanes())
    let inter = w * h
    let union = (areaA + load(columns.area, j)) - inter
    // Most pairs of a large matrix do not overlap: 0 / union is +0 for a positive union,
    // so the division is skipped when that holds in all four lanes (NaN fails `> 0`).
    let iou: Lanes
    if all((inter .== 0) .& (union .> 0)) {
      iou = Lanes()
    } else {
      iou = (inter / union).replacing(with: 0, where: union .== 0)
    }
    UnsafeMutableRawPointer(destination + j).storeBytes(of: iou, as: Lanes.self)
    j += 4
  }
}

enum GeneralizedIoUKernel: IoUKernel {
  static var needsAspect: Bool { false }
  @inline(__always)
  static func evaluate(_ a: BoxFields, _ b: BoxFields) -> Float {
    let (iou, union) = iouFields(a, b)
    let (ew, eh) = enclosingFields(a, b)
    let enclosing = ew * eh
    let penalty = (enclosing - union) / enclosing
    return iou - (enclosing == 0 ? 0 : penalty)
  }
}

enum DistanceIoUKernel: IoUKernel {
  static var needsAspect: Bool { false }
  @inline(__always)
  static func evaluate(_ a: BoxFields, _ b: BoxFields) -> Float { diouFields(a, b).diou }
}

enum CompleteIoUKernel: IoUKernel {
  static var needsAspect: Bool { true }
  /// `4 / pi^2` rounded to `Float`, as torch multiplies a float32 tensor by it.
  static let fourOverPiSquared = Float(4 / (Double.pi * Double.pi))

  @inline(__always)
  static func evaluate(_ a: BoxFields, _ b: BoxFields) -> Float {
    let (diou, iou) = diouFields(a, b)
    let d = a.aspect - b.aspect
    let raw = fourOverPiSquared * (d * d)
    let v = raw.isNaN ? 0 : raw
    let alpha = v / (((1 - iou) + v) + IoUKind.eps)
    return diou - alpha * v
  }
}
