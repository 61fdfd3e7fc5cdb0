import Foundation

/// Eight lanes of boxes in structure-of-arrays form: the operand of the IoU kernels.
struct BoxLanes {
  var x1, y1, x2, y2: SIMD8<Float>
  /// `(x2 - x1) * (y2 - y1)`, not clamped (torchvision `box_area`).
  var area: SIMD8<Float>
  /// `atan(w / h)`, filled only for CIoU.
  var aspect: SIMD8<Float>
}

/// Boxes transposed to padded structure-of-arrays storage, so the kernels load eight boxes
/// with one vector load per field. Padding lanes hold zero boxes; their results are dropped.
struct BoxColumns {
  let count: Int
  let paddedCount: Int
  var x1, y1, x2, y2, area, aspect: [Float]

  /// - Complexity: O(n), plus n `atan` calls when `aspect` is true.
  init(_ boxes: BoxArray, aspect withAspect: Bool) {
    count = boxes.count
    paddedCount = (count + 7) & ~7
    x1 = [Float](repeating: 0, count: paddedCount)
    y1 = x1; x2 = x1; y2 = x1; area = x1
    aspect = withAspect ? x1 : []
    boxes.withUnsafeBufferPointer { v in
      for i in 0..<count {
        let (a, b, c, d) = (v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3])
        x1[i] = a; y1[i] = b; x2[i] = c; y2[i] = d
        area[i] = (c - a) * (d - b)
        if withAspect { aspect[i] = atanf((c - a) / (d - b)) }
      }
    }
  }

  /// The box at `index` broadcast to every lane.
  func broadcast(_ index: Int) -> BoxLanes {
    BoxLanes(
      x1: SIMD8(repeating: x1[index]), y1: SIMD8(repeating: y1[index]),
      x2: SIMD8(repeating: x2[index]), y2: SIMD8(repeating: y2[index]),
      area: SIMD8(repeating: area[index]),
      aspect: SIMD8(repeating: aspect.isEmpty ? 0 : aspect[index]))
  }
}

/// Raw pointers into a ``BoxColumns`` for the duration of a kernel run.
struct BoxColumnPointers: @unchecked Sendable {
  let x1, y1, x2, y2, area: UnsafePointer<Float>
  let aspect: UnsafePointer<Float>?

  @inline(__always)
  func load(_ index: Int, aspect withAspect: Bool) -> BoxLanes {
    @inline(__always) func lanes(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
      UnsafeRawPointer(p + index).loadUnaligned(as: SIMD8<Float>.self)
    }
    return BoxLanes(
      x1: lanes(x1), y1: lanes(y1), x2: lanes(x2), y2: lanes(y2), area: lanes(area),
      aspect: withAspect ? lanes(aspect!) : .zero)
  }
}

extension BoxColumns {
  /// Calls `body` with stable pointers to every column.
  func withPointers<R>(_ body: (BoxColumnPointers) throws -> R) rethrows -> R {
    try x1.withUnsafeBufferPointer { x1 in
      try y1.withUnsafeBufferPointer { y1 in
        try x2.withUnsafeBufferPointer { x2 in
          try y2.withUnsafeBufferPointer { y2 in
            try area.withUnsafeBufferPointer { area in
              try aspect.withUnsafeBufferPointer { aspect in
                try body(
                  BoxColumnPointers(
                    x1: x1.baseAddress!, y1: y1.baseAddress!, x2: x2.baseAddress!,
                    y2: y2.baseAddress!, area: area.baseAddress!, aspect: aspect.baseAddress))
              }
            }
          }
        }
      }
    }
  }
}

/// One member of the IoU family on eight pairs at once, with torchvision's float32 op
/// order lane by lane (so the result equals the scalar formula bit for bit).
protocol IoUKernel: SendableMetatype {
  static var needsAspect: Bool { get }
  static func evaluate(_ a: BoxLanes, _ b: BoxLanes) -> SIMD8<Float>
}

/// Plain IoU; also returns the union, which GIoU needs.
@inline(__always)
func iouLanes(_ a: BoxLanes, _ b: BoxLanes) -> (iou: SIMD8<Float>, union: SIMD8<Float>) {
  let w = pointwiseMax(pointwiseMin(a.x2, b.x2) - pointwiseMax(a.x1, b.x1), .zero)
  let h = pointwiseMax(pointwiseMin(a.y2, b.y2) - pointwiseMax(a.y1, b.y1), .zero)
  let inter = w * h
  let union = (a.area + b.area) - inter
  let iou = (inter / union).replacing(with: 0, where: union .== 0)
  return (iou, union)
}

/// Width and height of the smallest enclosing box, clamped at 0 (`whi` in torchvision).
@inline(__always)
func enclosingLanes(_ a: BoxLanes, _ b: BoxLanes) -> (w: SIMD8<Float>, h: SIMD8<Float>) {
  let w = pointwiseMax(pointwiseMax(a.x2, b.x2) - pointwiseMin(a.x1, b.x1), .zero)
  let h = pointwiseMax(pointwiseMax(a.y2, b.y2) - pointwiseMin(a.y1, b.y1), .zero)
  return (w, h)
}

/// `(diou, iou)` as torchvision's `_box_diou_iou`.
@inline(__always)
func diouLanes(_ a: BoxLanes, _ b: BoxLanes) -> (diou: SIMD8<Float>, iou: SIMD8<Float>) {
  let iou = iouLanes(a, b).iou
  let (ew, eh) = enclosingLanes(a, b)
  let diagonal = (ew * ew + eh * eh) + SIMD8(repeating: IoUKind.eps)
  let dx = (a.x1 + a.x2) / 2 - (b.x1 + b.x2) / 2
  let dy = (a.y1 + a.y2) / 2 - (b.y1 + b.y2) / 2
  let centres = dx * dx + dy * dy
  return (iou - centres / diagonal, iou)
}

enum PlainIoUKernel: IoUKernel {
  static var needsAspect: Bool { false }
  @inline(__always)
  static func evaluate(_ a: BoxLanes, _ b: BoxLanes) -> SIMD8<Float> { iouLanes(a, b).iou }
}

enum GeneralizedIoUKernel: IoUKernel {
  static var needsAspect: Bool { false }
  @inline(__always)
  static func evaluate(_ a: BoxLanes, _ b: BoxLanes) -> SIMD8<Float> {
    let (iou, union) = iouLanes(a, b)
    let (ew, eh) = enclosingLanes(a, b)
    let enclosing = ew * eh
    let penalty = ((enclosing - union) / enclosing).replacing(with: 0, where: enclosing .== 0)
    return iou - penalty
  }
}

enum DistanceIoUKernel: IoUKernel {
  static var needsAspect: Bool { false }
  @inline(__always)
  static func evaluate(_ a: BoxLanes, _ b: BoxLanes) -> SIMD8<Float> { diouLanes(a, b).diou }
}

enum CompleteIoUKernel: IoUKernel {
  static var needsAspect: Bool { true }
  /// `4 / pi^2` rounded to `Float`, as torch multiplies a float32 tensor by it.
  static let fourOverPiSquared = Float(4 / (Double.pi * Double.pi))

  @inline(__always)
  static func evaluate(_ a: BoxLanes, _ b: BoxLanes) -> SIMD8<Float> {
    let (diou, iou) = diouLanes(a, b)
    let d = a.aspect - b.aspect
    var v = SIMD8(repeating: fourOverPiSquared) * (d * d)
    v.replace(with: 0, where: v .!= v)
    let alpha = v / (((1 - iou) + v) + SIMD8(repeating: IoUKind.eps))
    return diou - alpha * v
  }
}
