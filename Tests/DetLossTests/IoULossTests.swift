import DetGeometry
import Foundation
import Testing

@testable import DetLoss

private struct IoUGolden: Decodable {
  struct Case: Decodable {
    var kind: String
    var variant: String
    var eps: Float
    var predicted: [Float]
    var target: [Float]
    var float64: Golden.Run
    var float32: Golden.Run
  }
  var cases: [Case]
}

struct IoULossTests {
  /// Tolerance against torch float64 on the same float32 corners: 1e-6 relative + 1e-7
  /// absolute. detkit computes each pair in Double and rounds the loss and gradient to
  /// Float once (5.96e-8 relative); the absolute part covers gradient components that
  /// are differences of O(1 / box size) terms.
  @Test func matchesTorchAutograd() throws {
    let golden = try Golden.load("losses_iou.json", as: IoUGolden.self)
    #expect(golden.cases.count == 18)
    for c in golden.cases {
      let loss = IoULoss(
        IoULoss.Kind(rawValue: c.kind)!, variant: IoULoss.Variant(rawValue: c.variant)!, eps: c.eps)
      let r = try loss.evaluate(
        predicted: BoxArray(flat: c.predicted), target: BoxArray(flat: c.target), reduction: .sum,
        outputs: [.values, .gradient])
      let context = "\(c.kind) \(c.variant) eps \(c.eps)"
      Golden.expectClose(
        r.values, c.float64, c.float32, gradient: false, rtol: 1e-6, atol: 1e-7, context)
      Golden.expectClose(
        r.gradient, c.float64, c.float32, gradient: true, rtol: 1e-6, atol: 1e-7, context)
      #expect(r.count == c.predicted.count / 4)
    }
  }

  @Test func referenceVectorsTV6() {
    let a = Box(x1: 0, y1: 0, x2: 10, y2: 10)
    let b = Box(x1: 5, y1: 5, x2: 20, y2: 15)
    let far = Box(x1: 20, y1: 20, x2: 30, y2: 40)
    let expected: [(IoULoss.Kind, Double, Double)] = [
      (.giou, 1.1388888888549382, 1.7499999999375),
      (.diou, 1.0188888889174716, 1.4099999999836),
      (.ciou, 1.0191645494451977, 1.4116894606829955),
    ]
    for (kind, near, disjoint) in expected {
      let loss = IoULoss(kind)
      #expect(abs(loss.evaluate(predicted: a, target: b).loss - near) <= 1e-12, "\(kind)")
      #expect(abs(loss.evaluate(predicted: a, target: far).loss - disjoint) <= 1e-12, "\(kind)")
    }
  }

  /// CIoU's `alpha v` term with `alpha` frozen at its value for `(p0, g)`: the function
  /// whose derivative the peers' `torch.no_grad()` alpha gives. Written from the
  /// definitions, independently of IoULoss's CIoU code.
  private func ciouFrozen(
    _ p: SIMD4<Double>, _ g: SIMD4<Double>, alphaAt p0: SIMD4<Double>, variant: IoULoss.Variant
  ) -> Double {
    let eps = 1e-7
    func iou(_ p: SIMD4<Double>) -> Double {
      let iw = max(0, min(p[2], g[2]) - max(p[0], g[0]))
      let ih = max(0, min(p[3], g[3]) - max(p[1], g[1]))
      let inter = iw * ih
      let union = (p[2] - p[0]) * (p[3] - p[1]) + (g[2] - g[0]) * (g[3] - g[1]) - inter
      return inter / (union + eps)  // both peers' CIoU: union + 1e-7
    }
    func v(_ p: SIMD4<Double>) -> Double {
      let hEps = variant == .mmdetection ? eps : 0
      let d =
        atan((g[2] - g[0]) / (g[3] - g[1] + hEps)) - atan((p[2] - p[0]) / (p[3] - p[1] + hEps))
      return 4 / (Double.pi * Double.pi) * d * d
    }
    let v0 = v(p0)
    let iou0 = iou(p0)
    let alpha =
      switch variant {
      case .torchvision: v0 / (1 - iou0 + v0 + eps)
      case .mmdetection: iou0 > 0.5 ? v0 / (1 - iou0 + v0) : 0
      }
    return IoULoss(.diou, variant: variant).evaluate(p, g).loss + alpha * v(p)
  }

  /// Central differences in Double on seeded random pairs (overlapping, disjoint,
  /// nested), away from the min / max ties where the loss has a kink. For CIoU the
  /// difference quotient is taken with alpha frozen (as the peers' no_grad alpha).
  @Test(arguments: IoULoss.Kind.allCases, IoULoss.Variant.allCases)
  func gradientMatchesFiniteDifferences(kind: IoULoss.Kind, variant: IoULoss.Variant) {
    var rng = SplitMix64(state: 31)
    let loss = IoULoss(kind, variant: variant)
    var checked = 0
    while checked < 100 {
      func box() -> SIMD4<Double> {
        let x = rng.uniform() * 40
        let y = rng.uniform() * 40
        return SIMD4(x, y, x + 1 + rng.uniform() * 30, y + 1 + rng.uniform() * 30)
      }
      let g = box()
      // Every other pair is a small perturbation of the target (IoU > 0.5, the branch
      // where mmdetection's CIoU alpha is on).
      let p = checked % 2 == 0 ? box() : g + SIMD4((0..<4).map { _ in rng.uniform() * 2 - 1 })
      // Skip near-ties of any corner comparison (a kink of min / max).
      let gaps = [
        p[0] - g[0], p[1] - g[1], p[2] - g[2], p[3] - g[3], p[2] - g[0], g[2] - p[0], p[3] - g[1],
        g[3] - p[1],
      ]
      if gaps.contains(where: { abs($0) < 1e-3 }) { continue }
      let (value, analytic) = loss.evaluate(p, g)
      // mmdetection's CIoU clamps the loss to [0, 2]; stay inside.
      if variant == .mmdetection && kind == .ciou && (value <= 1e-6 || value >= 2 - 1e-6) {
        continue
      }
      func f(_ q: SIMD4<Double>) -> Double {
        kind == .ciou ? ciouFrozen(q, g, alphaAt: p, variant: variant) : loss.evaluate(q, g).loss
      }
      for k in 0..<4 {
        let h = 1e-6
        var plus = p
        var minus = p
        plus[k] += h
        minus[k] -= h
        let fd = (f(plus) - f(minus)) / (2 * h)
        #expect(
          abs(analytic[k] - fd) <= 1e-6 * max(1, abs(fd)) + 1e-8,
          "\(kind) \(variant) \(p) \(g) [\(k)]")
      }
      checked += 1
    }
  }

  @Test(arguments: IoULoss.Kind.allCases, IoULoss.Variant.allCases)
  func degenerateBoxesNeverGiveNaN(kind: IoULoss.Kind, variant: IoULoss.Variant) throws {
    let boxes: [Box] = [
      Box(x1: 5, y1: 5, x2: 5, y2: 5), Box(x1: 5, y1: 5, x2: 5, y2: 9),
      Box(x1: 5, y1: 5, x2: 9, y2: 5),
      Box(x1: 9, y1: 9, x2: 1, y2: 1), Box(x1: 0, y1: 0, x2: 10, y2: 10),
      Box(x1: 0, y1: 0, x2: 0, y2: 0),
    ]
    let pairs = boxes.flatMap { p in boxes.map { (p, $0) } }
    let r = try IoULoss(kind, variant: variant).evaluate(
      predicted: BoxArray(pairs.map(\.0)), target: BoxArray(pairs.map(\.1)), reduction: .mean,
      outputs: [.values, .gradient])
    #expect(r.values.allSatisfy { $0.isFinite })
    #expect(r.gradient.allSatisfy { $0.isFinite })
    #expect(r.loss.isFinite)
  }

  @Test func emptyAndMismatchedInputs() throws {
    let r = try IoULoss(.giou).evaluate(
      predicted: BoxArray(), target: BoxArray(), reduction: .mean, outputs: .gradient)
    #expect(r.loss == 0 && r.count == 0 && r.gradient.isEmpty)
    #expect(throws: LossError.self) {
      try IoULoss(.diou).evaluate(
        predicted: BoxArray(zeros: 2), target: BoxArray(zeros: 1), reduction: .sum)
    }
  }
}
