import DetGeometry
import DetMatching
import Foundation
import Testing

@testable import DetLoss

@Suite struct RPNCriterionTests {
  /// The golden batch with torchvision's sampled anchors as precomputed samples.
  static func batch(_ g: CriteriaGolden.RPN, grid: Bool = true, samples: Bool = true)
    -> [RPNCriterion.Image]
  {
    let anchors: CriterionAnchors =
      grid ? .grid(CriteriaGolden.index(g.anchors, g.grid)) : .boxes(BoxArray(flat: g.anchors))
    return g.images.map {
      RPNCriterion.Image(
        anchors: anchors, groundTruth: BoxArray(flat: $0.boxes), objectness: $0.objectness,
        deltas: $0.deltas,
        sample: samples
          ? BalancedSampler.Sample(positives: $0.sampled_positives, negatives: $0.sampled_negatives)
          : nil)
    }
  }

  @Test(
    "equals torchvision's RegionProposalNetwork.compute_loss and detectron2's formula on the same samples",
    arguments: [
      (RPNCriterion.Normalization.torchvision, true), (.torchvision, false), (.detectron2, true),
    ])
  func parity(normalization: RPNCriterion.Normalization, grid: Bool) throws {
    let g = try CriteriaGolden.load().rpn
    let reference = normalization == .torchvision ? g.torchvision : g.detectron2
    let loss = try RPNCriterion(normalization: normalization).evaluate(Self.batch(g, grid: grid))
    // Matching agrees with torchvision's labels (1 matched, 0 background, -1 between).
    for (i, image) in loss.images.enumerated() {
      #expect(
        image.matches.map { $0 >= 0 ? 1 : ($0 == -1 ? 0 : -1) } == g.images[i].labels,
        "image \(i) labels")
    }
    #expect(abs(loss.objectness - reference.objectness) <= 1e-5 * reference.objectness)
    #expect(abs(loss.box - reference.box) <= 1e-5 * reference.box)
    expectClose(
      loss.images.flatMap(\.objectnessGradient), reference.objectness_gradient, rtol: 1e-5,
      atol: 1e-10, "objectness gradient")
    expectClose(
      loss.images.flatMap(\.deltasGradient), reference.deltas_gradient, rtol: 1e-5, atol: 1e-10,
      "deltas gradient")
    let sampled = g.images.reduce(0) {
      $0 + $1.sampled_positives.count + $1.sampled_negatives.count
    }
    #expect(loss.sampled == sampled)
    #expect(loss.normalizer == (normalization == .torchvision ? Double(sampled) : 256 * 3))
  }

  @Test("seeded sampling: torchvision's counts, reproducible, a different seed draws differently")
  func seededSampling() throws {
    var rng = SplitMix64(state: 9)
    let anchors = BoxArray(
      flat: (0..<900).flatMap { i -> [Float] in
        let x = Float(i % 30) * 8
        let y = Float(i / 30) * 8
        return [x, y, x + 16, y + 16]
      })
    let gt = BoxArray(
      flat: (0..<12).flatMap { _ -> [Float] in
        let x = Float(Int(rng.next() % 200))
        let y = Float(Int(rng.next() % 200))
        return [x, y, x + 24, y + 24]
      })
    let image = RPNCriterion.Image(
      anchors: .boxes(anchors), groundTruth: gt,
      objectness: (0..<900).map { _ in Float(rng.uniform() * 6 - 3) },
      deltas: (0..<3600).map { _ in Float(rng.uniform() - 0.5) })
    let first = try RPNCriterion(seed: 42).evaluate([image, image])
    let again = try RPNCriterion(seed: 42).evaluate([image, image])
    let other = try RPNCriterion(seed: 43).evaluate([image, image])
    #expect(first == again)
    #expect(first.images[0].sample.negatives != other.images[0].sample.negatives)
    let matches = first.images[0].matches
    let (p, q) = (matches.filter { $0 >= 0 }.count, matches.filter { $0 == -1 }.count)
    #expect(first.images[0].sample.positives.count == min(p, 128))
    #expect(first.images[0].sample.negatives.count == min(q, 256 - min(p, 128)))
    // One generator across the batch: the second image draws a different negative set.
    #expect(first.images[0].sample.negatives != first.images[1].sample.negatives)
    #expect(
      first.sampled == 2
        * (first.images[0].sample.positives.count + first.images[0].sample.negatives.count))
  }

  @Test(
    "gradients agree with central differences of the batch cost",
    arguments: [
      RPNCriterion.Normalization.torchvision, .detectron2,
    ])
  func finiteDifferences(normalization: RPNCriterion.Normalization) throws {
    let g = try CriteriaGolden.load().rpn
    let batch = Self.batch(g)
    let criterion = RPNCriterion(normalization: normalization)
    let loss = try criterion.evaluate(batch)
    var rng = SplitMix64(state: 31)
    let h: Float = 1e-2
    for _ in 0..<10 {
      let image = Int(rng.next() % 3)
      let row = Int(rng.next() % UInt64(batch[image].objectness.count))
      var plus = batch
      var minus = batch
      plus[image].objectness[row] += h
      minus[image].objectness[row] -= h
      let numeric =
        (try criterion.evaluate(plus).total - criterion.evaluate(minus).total)
        / Double(plus[image].objectness[row] - minus[image].objectness[row])
      let analytic = Double(loss.images[image].objectnessGradient[row])
      #expect(
        abs(numeric - analytic) <= 1e-3 * abs(analytic) + 1e-6,
        "objectness \(image)/\(row): \(numeric) vs \(analytic)")
      guard let positive = loss.images[image].sample.positives.randomElement(using: &rng) else {
        continue
      }
      let k = 4 * positive + Int(rng.next() % 4)
      plus = batch
      minus = batch
      // A small step: smooth L1 with beta 1/9 changes branch at |d| = 0.111.
      plus[image].deltas[k] += 1e-3
      minus[image].deltas[k] -= 1e-3
      let numericBox =
        (try criterion.evaluate(plus).box - criterion.evaluate(minus).box)
        / Double(plus[image].deltas[k] - minus[image].deltas[k])
      let analyticBox = Double(loss.images[image].deltasGradient[k])
      #expect(
        abs(numericBox - analyticBox) <= 2e-3 * abs(analyticBox) + 1e-5,
        "delta \(image)/\(k): \(numericBox) vs \(analyticBox)")
    }
  }

  @Test("no ground truth: only negatives, no box loss; an empty batch costs 0")
  func emptyGroundTruth() throws {
    let g = try CriteriaGolden.load().rpn
    var image = Self.batch(g, samples: false)[1]
    image.groundTruth = BoxArray()
    let loss = try RPNCriterion().evaluate([image])
    #expect(loss.sampledPositives == 0 && loss.box == 0)
    #expect(loss.images[0].sample.negatives.count == min(256, image.objectness.count))
    let allNegative = try SigmoidFocalLoss.binaryCrossEntropy.evaluate(
      logits: image.objectness, targets: [Float](repeating: 0, count: image.objectness.count),
      reduction: .mean)
    #expect(abs(loss.objectness - Double(allNegative.loss)) <= 1e-6 * loss.objectness)
    #expect(try RPNCriterion().evaluate([]).total == 0)
  }

  @Test("finite for extreme logits", arguments: [Float(1e4), 1e30])
  func extremeLogits(magnitude: Float) throws {
    let g = try CriteriaGolden.load().rpn
    var batch = Self.batch(g)
    for i in batch.indices {
      batch[i].objectness = batch[i].objectness.indices.map { $0 % 2 == 0 ? magnitude : -magnitude }
    }
    let loss = try RPNCriterion().evaluate(batch)
    #expect(loss.objectness.isFinite && loss.box.isFinite)
    #expect(loss.images.allSatisfy { $0.objectnessGradient.allSatisfy(\.isFinite) })
  }

  @Test("a precomputed sample must be in range and agree with the matches")
  func sampleValidation() throws {
    let g = try CriteriaGolden.load().rpn
    var batch = Self.batch(g)
    let background = batch[0].sample!.negatives[0]
    batch[0].sample!.positives.append(background)
    #expect(
      throws: LossError(
        .invalidLabel, at: "batch[0].sample.positives[\(batch[0].sample!.positives.count - 1)]",
        "anchor \(background) has match -1; expected a ground-truth row (>= 0)")
    ) {
      try RPNCriterion().evaluate(batch)
    }
    batch = Self.batch(g)
    batch[2].sample!.negatives = [100_000]
    #expect(throws: LossError.self) { try RPNCriterion().evaluate(batch) }
    batch = Self.batch(g)
    batch[1].objectness.removeLast()
    #expect(throws: LossError.self) { try RPNCriterion().evaluate(batch) }
  }
}
