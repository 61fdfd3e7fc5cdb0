import Foundation
import Testing

import DetMatching

@testable import DetLoss

/// Two anchors, two classes: anchor 0 positive of class 1, anchor 1 ignored, anchor 2 background.
@Test func retinanetCriterionComposesFocalAndL1PerPositive() throws {
  let logits: [Float] = [0.5, -1, 3, 3, -2, 0.25]
  let deltas: [Float] = [0.1, -0.2, 0.3, 0, 9, 9, 9, 9, 5, 5, 5, 5]
  let targets: [Float] = [0, 0, 0.5, 0.25, 0, 0, 0, 0, 0, 0, 0, 0]
  let loss = try RetinaNetCriterion().evaluate(
    logits: logits, classCount: 2, deltas: deltas, labels: [1, -2, -1], boxTargets: targets)
  func focal(_ x: Double, _ t: Double) -> Double {
    let p = 1 / (1 + exp(-x))
    let ce = -(t * log(p) + (1 - t) * log(1 - p))
    let pt = p * t + (1 - p) * (1 - t)
    return (0.25 * t + 0.75 * (1 - t)) * ce * pow(1 - pt, 2)
  }
  let cls = focal(0.5, 0) + focal(-1, 1) + focal(-2, 0) + focal(0.25, 0)
  #expect(abs(loss.classification - cls) < 1e-6)
  #expect(abs(loss.box - (0.1 + 0.2 + 0.2 + 0.25)) < 1e-6)
  #expect(loss.positives == 1 && loss.ignored == 1)
  #expect(throws: LossError.self) {
    try RetinaNetCriterion().evaluate(logits: logits, classCount: 2, deltas: [0], labels: [1, -2, -1], boxTargets: targets)
  }
  let batch = RetinaNetCriterion.batchCost([loss, .init(classification: 1, box: 3, positives: 0, ignored: 0)])
  #expect(abs(batch.classification - (cls + 1) / 2) < 1e-6)
}

@Test func rpnCriterionNormalisesBySampledCount() throws {
  var generator = SeededGenerator(seed: 1)
  // Every anchor is sampled (fewer than 256): 1 positive, 2 negatives, 1 ignored.
  let loss = try RPNCriterion().evaluate(
    logits: [2, -1, 0, 7], deltas: [0.5, 0, 0, 0] + [Float](repeating: 3, count: 12), matches: [0, -1, -1, -2],
    boxTargets: [Float](repeating: 0, count: 16), using: &generator)
  let bce = log1p(exp(-2.0)) + log1p(exp(-1.0)) + log(2.0)
  #expect(abs(loss.classification - bce / 3) < 1e-6)
  // smooth L1 (beta 1/9) of 0.5: 0.5 - 1/18.
  #expect(abs(loss.box - (0.5 - 1.0 / 18) / 3) < 1e-6)
}
