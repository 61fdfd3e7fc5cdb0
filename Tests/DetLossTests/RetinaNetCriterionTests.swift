import DetGeometry
import DetMatching
import Foundation
import Testing

@testable import DetLoss

/// fixtures/golden/criteria.json, written by tools/golden_criteria.py from torchvision.
struct CriteriaGolden: Decodable {
  struct Grid: Decodable { var rows: Int, columns: Int, types: Int }
  struct RetinaNetImage: Decodable {
    var boxes: [Float], labels: [Int], logits: [Float], deltas: [Float], matches: [Int]
  }
  struct RetinaNetHead: Decodable {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    var classification: Double, box: Double, deltas_gradient: [[Float]]
  }
  struct RetinaNet: Decodable {
    var classes: Int, grid: Grid, anchors: [Float], images: [RetinaNetImage]
    // swift-format-ignore: AlwaysUseLowerCamelCase
    var l1: RetinaNetHead, giou: RetinaNetHead, logits_gradient: [[Float]]
  }
  struct RPNImage: Decodable {
    var boxes: [Float], labels: [Int], objectness: [Float], deltas: [Float]
    // swift-format-ignore: AlwaysUseLowerCamelCase
    var sampled_positives: [Int], sampled_negatives: [Int]
  }
  struct RPNLosses: Decodable {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    var objectness: Double, box: Double, objectness_gradient: [Float], deltas_gradient: [Float]
  }
  struct RPN: Decodable {
    var grid: Grid, anchors: [Float], images: [RPNImage], torchvision: RPNLosses,
      detectron2: RPNLosses
  }
  var retinanet: RetinaNet
  var rpn: RPN

  static func load() throws -> CriteriaGolden {
    try Golden.load("criteria.json", as: CriteriaGolden.self)
  }

  static func index(_ anchors: [Float], _ grid: Grid) -> GridAnchorIndex {
    GridAnchorIndex(
      anchors: BoxArray(flat: anchors),
      levels: [
        .init(
          range: 0..<anchors.count / 4, rows: grid.rows, columns: grid.columns,
          typesPerCell: grid.types)
      ])
  }
}

/// Expects every `actual[i]` within `rtol * |ref| + atol` of `reference[i]`.
func expectClose(
  _ actual: [Float], _ reference: [Float], rtol: Double, atol: Double, _ context: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(actual.count == reference.count, "\(context): count", sourceLocation: sourceLocation)
  guard actual.count == reference.count else { return }
  for i in actual.indices {
    let (a, r) = (Double(actual[i]), Double(reference[i]))
    #expect(
      abs(a - r) <= rtol * abs(r) + atol, "\(context)[\(i)]: \(a) vs torchvision \(r)",
      sourceLocation: sourceLocation)
  }
}

@Suite struct RetinaNetCriterionTests {
  static func batch(_ g: CriteriaGolden.RetinaNet, grid: Bool) -> [RetinaNetCriterion.Image] {
    let anchors: CriterionAnchors =
      grid ? .grid(CriteriaGolden.index(g.anchors, g.grid)) : .boxes(BoxArray(flat: g.anchors))
    return g.images.map {
      RetinaNetCriterion.Image(
        anchors: anchors, groundTruth: BoxArray(flat: $0.boxes), labels: $0.labels,
        logits: $0.logits,
        deltas: $0.deltas)
    }
  }

  @Test(
    "equals torchvision RetinaNetHead.compute_loss (v1 l1, v2 giou), grid and dense anchors",
    arguments: [(RetinaNetCriterion.BoxLoss.l1, false), (.l1, true), (.giou, false), (.giou, true)])
  func torchvisionParity(boxLoss: RetinaNetCriterion.BoxLoss, grid: Bool) throws {
    let g = try CriteriaGolden.load().retinanet
    let head = boxLoss == .l1 ? g.l1 : g.giou
    let loss = try RetinaNetCriterion(boxLoss: boxLoss).evaluate(Self.batch(g, grid: grid))
    for (i, image) in loss.images.enumerated() {
      #expect(
        image.matches == g.images[i].matches,
        "image \(i): matches differ from torchvision's Matcher")
      expectClose(
        image.logitsGradient, g.logits_gradient[i], rtol: 1e-5, atol: 1e-9,
        "image \(i) logits gradient")
      expectClose(
        image.deltasGradient, head.deltas_gradient[i], rtol: 1e-4, atol: 1e-8,
        "image \(i) deltas gradient")
    }
    #expect(abs(loss.classification - head.classification) <= 1e-5 * head.classification)
    #expect(abs(loss.box - head.box) <= 1e-5 * head.box + 1e-7)
    #expect(loss.positives == g.images.reduce(0) { $0 + $1.matches.filter { $0 >= 0 }.count })
    #expect(loss.images[1].positives == 0 && loss.images[1].normalizer == 3)
  }

  @Test("mmdetection avg_factor and detectron2 EMA divide the same sums")
  func otherNormalisations() throws {
    let g = try CriteriaGolden.load().retinanet
    let batch = Self.batch(g, grid: true)
    let tv = try RetinaNetCriterion().evaluate(batch)
    let sums = (
      tv.images.reduce(0) { $0 + $1.classificationSum }, tv.images.reduce(0) { $0 + $1.boxSum }
    )
    let positives = tv.images.map(\.positives)
    let mm = try RetinaNetCriterion(normalization: .mmdetection).evaluate(batch)
    let factor = Double(positives.map { max(1, $0) }.reduce(0, +)) + 1.1920928955078125e-07
    #expect(abs(mm.classification - sums.0 / factor) <= 1e-12 * mm.classification)
    #expect(abs(mm.box - sums.1 / factor) <= 1e-12 * mm.box)
    var ema = EMANormalizer()
    let d2 = try RetinaNetCriterion(normalization: .detectron2).evaluate(batch, ema: &ema)
    let expected = 0.9 * 100 + 0.1 * Double(positives.reduce(0, +))
    #expect(abs(ema.value - expected) < 1e-12)
    #expect(abs(d2.classification - sums.0 / expected) <= 1e-12 * d2.classification)
    // The gradient carries the same divisor: image 0's ratio to torchvision's is 3 * max(1, P0) / ema.
    let ratio = Double(d2.images[0].logitsGradient[0]) / Double(tv.images[0].logitsGradient[0])
    #expect(abs(ratio - 3 * Double(max(1, positives[0])) / expected) < 1e-5)
  }

  @Test("an image without ground truth is all background, divided by 1, no box loss")
  func emptyGroundTruth() throws {
    var rng = SplitMix64(state: 3)
    let anchors = BoxArray(
      flat: (0..<20).flatMap { i -> [Float] in
        let x = Float(i % 5) * 10
        let y = Float(i / 5) * 10
        return [x, y, x + 16, y + 16]
      })
    let logits = (0..<60).map { _ in Float(rng.uniform() * 8 - 4) }
    let image = RetinaNetCriterion.Image(
      anchors: .boxes(anchors), groundTruth: BoxArray(), labels: [], logits: logits,
      deltas: [Float](repeating: 0.5, count: 80))
    let loss = try RetinaNetCriterion().evaluate([image])
    let allBackground = try SigmoidFocalLoss().evaluate(
      logits: logits, targets: [Float](repeating: 0, count: 60), reduction: .sum)
    #expect(loss.images[0].matches == [Int](repeating: -1, count: 20))
    #expect(loss.images[0].normalizer == 1)
    // The class-index kernel and the soft-target kernel round differently in Float.
    #expect(abs(loss.classification - allBackground.sum) <= 1e-6 * allBackground.sum)
    #expect(loss.box == 0 && loss.positives == 0)
    #expect(loss.images[0].deltasGradient == [Float](repeating: 0, count: 80))
    #expect(try RetinaNetCriterion().evaluate([]).total == 0)
  }

  @Test("anchors in an ignore box (IoF > 0.5) add no loss and get no gradient")
  func ignoreBoxes() throws {
    let anchors = BoxArray(
      flat: (0..<16).flatMap { i -> [Float] in
        let x = Float(i % 4) * 20
        let y = Float(i / 4) * 20
        return [x, y, x + 20, y + 20]
      })
    var rng = SplitMix64(state: 5)
    var logits = (0..<48).map { _ in Float(rng.uniform() * 4 - 2) }
    let matcher = IoUMatcher(
      high: 0.5, low: 0.4, allowsLowQualityMatches: true, policy: .torchvision,
      ignoreIoFThreshold: 0.5)
    let criterion = RetinaNetCriterion(matcher: matcher)
    func run(_ logits: [Float]) throws -> RetinaNetCriterion.Loss {
      try criterion.evaluate([
        RetinaNetCriterion.Image(
          anchors: .boxes(anchors), groundTruth: BoxArray(flat: [41, 41, 79, 79]), labels: [2],
          ignoreBoxes: BoxArray(flat: [0, 0, 40, 40]), logits: logits,
          deltas: [Float](repeating: 0, count: 64))
      ])
    }
    let first = try run(logits)
    let ignoredRows = [0, 1, 4, 5]
    #expect(first.ignored == 4 && ignoredRows.allSatisfy { first.images[0].matches[$0] == -2 })
    // The box overlaps four anchors by 19 x 19 each: four tied low-quality positives.
    #expect(first.positives == 4)
    for row in ignoredRows {
      for c in 0..<3 {
        #expect(first.images[0].logitsGradient[3 * row + c] == 0)
        logits[3 * row + c] = 50
      }
    }
    #expect(try run(logits).classification == first.classification)
  }

  @Test("finite for extreme logits and deltas", arguments: [Float(1e4), 1e30])
  func extremeLogits(magnitude: Float) throws {
    let g = try CriteriaGolden.load().retinanet
    var batch = Self.batch(g, grid: false)
    for i in batch.indices {
      batch[i].logits = batch[i].logits.enumerated().map {
        $0.offset % 2 == 0 ? magnitude : -magnitude
      }
      batch[i].deltas = batch[i].deltas.enumerated().map { $0.offset % 3 == 0 ? 30 : -30 }
    }
    for boxLoss in [RetinaNetCriterion.BoxLoss.l1, .smoothL1(beta: 0.1), .giou] {
      let loss = try RetinaNetCriterion(boxLoss: boxLoss).evaluate(batch)
      #expect(loss.classification.isFinite && loss.box.isFinite, "\(boxLoss)")
      for image in loss.images {
        #expect(
          image.logitsGradient.allSatisfy(\.isFinite)
            && image.deltasGradient.allSatisfy(\.isFinite), "\(boxLoss)")
      }
    }
  }

  @Test(
    "gradients agree with central differences of the batch cost",
    arguments: [
      RetinaNetCriterion.BoxLoss.l1, .smoothL1(beta: 0.1), .giou,
    ])
  func finiteDifferences(boxLoss: RetinaNetCriterion.BoxLoss) throws {
    let g = try CriteriaGolden.load().retinanet
    let batch = Self.batch(g, grid: true)
    let criterion = RetinaNetCriterion(boxLoss: boxLoss)
    let loss = try criterion.evaluate(batch)
    var rng = SplitMix64(state: 17)
    for _ in 0..<12 {
      let image = Int(rng.next() % 3)
      let positives = loss.images[image].matches.indices.filter {
        loss.images[image].matches[$0] >= 0
      }
      // Logits of any anchor; deltas of positive anchors (the others have no box loss).
      let logit = Int(rng.next() % UInt64(batch[image].logits.count))
      let h: Float = 1e-2
      var plus = batch
      var minus = batch
      plus[image].logits[logit] += h
      minus[image].logits[logit] -= h
      let numeric =
        (try criterion.evaluate(plus).total - criterion.evaluate(minus).total)
        / Double(plus[image].logits[logit] - minus[image].logits[logit])
      let analytic = Double(loss.images[image].logitsGradient[logit])
      #expect(
        abs(numeric - analytic) <= 1e-3 * abs(analytic) + 2e-5,
        "logit \(image)/\(logit): \(numeric) vs \(analytic)")
      guard let row = positives.randomElement(using: &rng) else { continue }
      let k = 4 * row + Int(rng.next() % 4)
      plus = batch
      minus = batch
      plus[image].deltas[k] += h
      minus[image].deltas[k] -= h
      let numericBox =
        (try criterion.evaluate(plus).box - criterion.evaluate(minus).box)
        / Double(plus[image].deltas[k] - minus[image].deltas[k])
      let analyticBox = Double(loss.images[image].deltasGradient[k])
      // L1 kinks only where a delta equals its target, far from these random deltas.
      #expect(
        abs(numericBox - analyticBox) <= 2e-3 * abs(analyticBox) + 2e-4,
        "delta \(image)/\(k): \(numericBox) vs \(analyticBox)")
    }
  }

  @Test("the GIoU chain rule through decode matches Double central differences")
  func giouDecodeGradientInDouble() throws {
    var rng = SplitMix64(state: 23)
    for _ in 0..<20 {
      let ax = Float(Int(rng.next() % 40))
      let ay = Float(Int(rng.next() % 40))
      let aw = Float(8 + Int(rng.next() % 24))
      let ah = Float(8 + Int(rng.next() % 24))
      let anchor = [ax, ay, ax + aw, ay + ah]
      let gt = Box(x1: ax + 2, y1: ay - 1, x2: ax + aw + 3, y2: ay + ah - 2)
      let deltas = (0..<4).map { _ in Float(rng.uniform() * 0.6 - 0.3) }
      let image = RetinaNetCriterion.Image(
        anchors: .boxes(BoxArray(flat: anchor)), groundTruth: BoxArray([gt]), labels: [0],
        logits: [0],
        deltas: deltas)
      let loss = try RetinaNetCriterion(boxLoss: .giou).evaluate([image])
      #expect(loss.positives == 1)
      // The same composition in Double: decode (weights 1), then torchvision's GIoU.
      func cost(_ d: [Double]) -> Double {
        let a = anchor.map(Double.init)
        let (w, h) = (a[2] - a[0], a[3] - a[1])
        let (cx, cy) = (a[0] + 0.5 * w + d[0] * w, a[1] + 0.5 * h + d[1] * h)
        let (pw, ph) = (exp(d[2]) * w, exp(d[3]) * h)
        let p = SIMD4(cx - 0.5 * pw, cy - 0.5 * ph, cx + 0.5 * pw, cy + 0.5 * ph)
        let t = SIMD4(Double(gt.x1), Double(gt.y1), Double(gt.x2), Double(gt.y2))
        return IoULoss(.giou).evaluate(p, t).loss
      }
      for k in 0..<4 {
        var plus = deltas.map(Double.init)
        var minus = plus
        plus[k] += 1e-6
        minus[k] -= 1e-6
        let numeric = (cost(plus) - cost(minus)) / 2e-6
        let analytic = Double(loss.images[0].deltasGradient[k])
        #expect(
          abs(numeric - analytic) <= 1e-4 * abs(numeric) + 1e-6, "d\(k): \(numeric) vs \(analytic)")
      }
    }
  }

  @Test("shape and label errors name the image and the row")
  func errors() throws {
    let anchors = CriterionAnchors.boxes(BoxArray(flat: [0, 0, 10, 10, 5, 5, 15, 15]))
    let ok = RetinaNetCriterion.Image(
      anchors: anchors, groundTruth: BoxArray(flat: [0, 0, 10, 10]), labels: [1],
      logits: [0, 0, 0, 0], deltas: [Float](repeating: 0, count: 8))
    var badLabels = ok
    badLabels.labels = [2]
    var badLogits = ok
    badLogits.logits = [0, 0, 0]
    var badCount = ok
    badCount.labels = []
    #expect(
      throws: LossError(
        .invalidLabel, at: "batch[1].labels[0]", "expected a class in 0..<2, found 2")
    ) {
      try RetinaNetCriterion().evaluate([ok, badLabels])
    }
    #expect(throws: LossError.self) { try RetinaNetCriterion().evaluate([badLogits]) }
    do {
      _ = try RetinaNetCriterion().evaluate([ok, ok, badCount])
      Issue.record("expected a shape error")
    } catch let error as LossError {
      #expect(error.code == .shapeMismatch && error.location == "batch[2].labels")
    }
  }
}

@Test func forwardOnlyCriterionGivesTheSameCostsWithoutTheLogitsGradient() throws {
  var rng = SplitMix64(state: 11)
  let anchors = BoxArray(
    (0..<40).map { k in
      let x = Float(k % 8) * 12
      let y = Float(k / 8) * 12
      return Box(x1: x, y1: y, x2: x + 16, y2: y + 16)
    })
  let truth = BoxArray([Box(x1: 10, y1: 10, x2: 30, y2: 28), Box(x1: 50, y1: 5, x2: 70, y2: 40)])
  let logits = (0..<40 * 3).map { _ in Float.random(in: -4..<4, using: &rng) }
  let deltas = (0..<40 * 4).map { _ in Float.random(in: -0.5..<0.5, using: &rng) }
  let image = RetinaNetCriterion.Image(
    anchors: .boxes(anchors), groundTruth: truth, labels: [0, 2], logits: logits, deltas: deltas)
  let full = try RetinaNetCriterion().evaluate([image])
  var forward = RetinaNetCriterion()
  forward.computesLogitsGradient = false
  let cheap = try forward.evaluate([image])
  #expect(full.images[0].positives > 0)
  #expect(full.images[0].logitsGradient.count == 40 * 3)
  #expect(cheap.images[0].logitsGradient.isEmpty)
  #expect(cheap.classification == full.classification)
  #expect(cheap.box == full.box)
  #expect(cheap.images[0].deltasGradient == full.images[0].deltasGradient)
}
