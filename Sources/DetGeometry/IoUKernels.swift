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
struct BoxColumns {
  let count: Int
  var x1, y1, x2, y2, area, aspect: [Float]

  /// - Complexity: O(n), plus n `atan` calls when `aspect` is true.
  init(_ boxes: BoxArray, aspect withAspect: Bool) {
    count = boxes.count
    x1 = [Float](repeating: 0, count: count)
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

  /// The box at `index`.
  func fields(_ index: Int) -> BoxFields {
    BoxFields(
      x1: x1[index], y1: y1[index], x2: x2[index], y2: y2[index], area: area[index],
      aspect: aspect.isEmpty ? 0 : aspect[index])
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

/// One member of the IoU family on one pair, with torchvision's float32 op order. Written
/// with selects instead of branches so that the loops over boxes vectorise.
protocol IoUKernel: SendableMetatype {
  static var needsAspect: Bool { get }
  static func evaluate(_ a: BoxFields, _ b: BoxFields) -> Float
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
  (larger(larger(a.x2, b.x2) - smaller(a.x1, b.x1), 0), larger(larger(a.y2, b.y2) - smaller(a.y1, b.y1), 0))
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
