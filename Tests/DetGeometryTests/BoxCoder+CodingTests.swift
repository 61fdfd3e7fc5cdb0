import DetGeometry
import Foundation
import Testing

/// fixtures/golden/boxes_coder.json (tools/golden_boxes.py): torchvision's BoxCoder run in
/// float32, and re-implementations of mmdetection's and Detectron's coders in torch float32.
private struct CoderGolden: Decodable {
  struct Weighted: Decodable {
    var weights: [Float]
    var encoded: [Float]
    var decoded: [Float]
    var roundtrip: [Float]?
  }
  struct MMCase: Decodable {
    var means: [Float]
    var stds: [Float]
    // swift-format-ignore: AlwaysUseLowerCamelCase
    var add_ctr_clamp: Bool
    // swift-format-ignore: AlwaysUseLowerCamelCase
    var ctr_clamp: Float
    // swift-format-ignore: AlwaysUseLowerCamelCase
    var max_shape: [Int]?
    var encoded: [Float]
    var decoded: [Float]
  }
  var anchors: [Float]
  var boxes: [Float]
  var deltas: [Float]
  var torchvision: [Weighted]
  var legacy: [Weighted]
  var mmdetection: [MMCase]

  static let shared = try! loadBoxGolden("boxes_coder.json", as: CoderGolden.self)
}

private func simd4(_ v: [Float]) -> SIMD4<Float> { SIMD4(v[0], v[1], v[2], v[3]) }

/// Values computed with + - * / only must match bit for bit. Values through one `log` or
/// `exp` differ when torch's SLEEF and glibc round differently (about 1 value in 15 for
/// `log`): allow `ulps` ulps of `scale`, the magnitude that the transcendental result was
/// multiplied into (the weight times the log; the decoded width for corners).
private func expectClose(
  _ mine: Float, _ theirs: Float, scale: Float, ulps: Float, _ what: @autoclosure () -> String
) {
  let tolerance = ulps * max(abs(scale), abs(theirs)).ulp
  #expect(
    abs(mine - theirs) <= tolerance, "\(what()): \(mine) vs \(theirs) (tolerance \(tolerance))")
}

/// Encoded `dx, dy` bit for bit; `dw, dh = w * log(ratio)` within 2 ulps of `w * |log|`.
private func expectEncoded(
  _ mine: [Float], _ theirs: [Float], weights: SIMD4<Float>, _ label: String
) {
  #expect(mine.count == theirs.count)
  for k in 0..<min(mine.count, theirs.count) {
    if k % 4 < 2 {
      #expect(
        mine[k].bitPattern == theirs[k].bitPattern,
        "\(label) delta \(k): \(mine[k]) vs \(theirs[k])")
    } else {
      expectClose(mine[k], theirs[k], scale: weights[k % 4], ulps: 2, "\(label) delta \(k)")
    }
  }
}

/// Decoded corners: `centre -+ 0.5 * exp(dw) * w`, off by up to an ulp of the width's `exp`
/// plus the final rounding: allow 2 ulps of the larger of the coordinate and the width.
private func expectDecoded(_ mine: [Float], _ theirs: [Float], _ label: String) {
  #expect(mine.count == theirs.count)
  for k in 0..<min(mine.count, theirs.count) {
    let box = 4 * (k / 4)
    let width = abs(theirs[box + 2 + (k % 2)] - theirs[box + (k % 2)])
    expectClose(mine[k], theirs[k], scale: width, ulps: 2, "\(label) coordinate \(k)")
  }
}

@Test func torchvisionEncodeAndDecodeMatchGolden() {
  let g = CoderGolden.shared
  let anchors = BoxArray(flat: g.anchors)
  let boxes = BoxArray(flat: g.boxes)
  #expect(g.torchvision.count == 2)
  for entry in g.torchvision {
    let coder = BoxCoder(weights: simd4(entry.weights))
    let label = "torchvision \(entry.weights)"
    expectEncoded(
      coder.encode(boxes, relativeTo: anchors), entry.encoded, weights: simd4(entry.weights), label)
    expectDecoded(coder.decode(g.deltas, relativeTo: anchors).values, entry.decoded, label)
    expectDecoded(
      coder.decode(coder.encode(boxes, relativeTo: anchors), relativeTo: anchors).values,
      entry.roundtrip!, label + " round trip")
  }
}

@Test func legacyCoderMatchesGolden() {
  let g = CoderGolden.shared
  let anchors = BoxArray(flat: g.anchors)
  let boxes = BoxArray(flat: g.boxes)
  for entry in g.legacy {
    let coder = BoxCoder(.detectronLegacy(weights: simd4(entry.weights)))
    let label = "legacy \(entry.weights)"
    expectEncoded(
      coder.encode(boxes, relativeTo: anchors), entry.encoded, weights: simd4(entry.weights), label)
    expectDecoded(coder.decode(g.deltas, relativeTo: anchors).values, entry.decoded, label)
  }
}

@Test func mmdetectionCoderMatchesGolden() {
  let g = CoderGolden.shared
  let anchors = BoxArray(flat: g.anchors)
  let boxes = BoxArray(flat: g.boxes)
  #expect(g.mmdetection.count == 5)
  for entry in g.mmdetection {
    let coder = BoxCoder(
      .mmdetection(
        means: simd4(entry.means), stds: simd4(entry.stds),
        centerClamp: entry.add_ctr_clamp ? entry.ctr_clamp : nil))
    let image = entry.max_shape.map { ImageSize(height: $0[0], width: $0[1]) }
    let label =
      "mmdetection \(entry.means) \(entry.stds) ctr \(entry.add_ctr_clamp) shape \(String(describing: image))"
    // (log - mean) / std: the log's ulp scaled by 1 / std.
    let mine = coder.encode(boxes, relativeTo: anchors)
    for k in mine.indices {
      if k % 4 < 2 {
        #expect(mine[k].bitPattern == entry.encoded[k].bitPattern, "\(label) delta \(k)")
      } else {
        expectClose(
          mine[k], entry.encoded[k], scale: 4.2 / entry.stds[k % 4], ulps: 2, "\(label) delta \(k)")
      }
    }
    expectDecoded(
      coder.decode(g.deltas, relativeTo: anchors, clippingTo: image).values, entry.decoded, label)
  }
}

/// REFERENCE.md TV5: anchor [0,0,10,20], GT [2,3,14,19].
@Test func referenceVectorTV5() {
  let anchor = BoxArray([Box(x1: 0, y1: 0, x2: 10, y2: 20)])
  let gt = BoxArray([Box(x1: 2, y1: 3, x2: 14, y2: 19)])
  func near(_ mine: [Float], _ expected: [Double], _ tol: Double = 1e-6) -> Bool {
    zip(mine, expected).allSatisfy { abs(Double($0) - $1) <= tol * max(1, abs($1)) }
  }
  let tv10 = BoxCoder(weights: [10, 10, 5, 5])
  #expect(
    near(tv10.encode(gt, relativeTo: anchor), [3.0, 0.5, 0.9116077839697729, -1.1157177565710485]))
  #expect(
    near(
      BoxCoder().encode(gt, relativeTo: anchor),
      [0.3, 0.05, 0.1823215567939546, -0.2231435513142097]))
  #expect(
    near(
      tv10.decode(tv10.encode(gt, relativeTo: anchor), relativeTo: anchor).values, [2, 3, 14, 19]))
  // dw clamped at log(1000/16) from above, dh = -20 not clamped from below.
  #expect(
    near(
      tv10.decode([0, 0, 100, -100], relativeTo: anchor).values,
      [-307.5, 9.99999997939, 317.5, 10.0000000206]))
  let legacy1 = BoxCoder(.detectronLegacy(weights: [1, 1, 1, 1]))
  #expect(
    near(
      legacy1.encode(gt, relativeTo: anchor),
      [0.2727272727272727, 0.047619047619047616, 0.16705408466316624, -0.2113090936672069]))
  let legacy10 = BoxCoder(.detectronLegacy(weights: [10, 10, 5, 5]))
  #expect(
    near(
      legacy10.encode(gt, relativeTo: anchor),
      [2.727272727272727, 0.47619047619047616, 0.8352704233158312, -1.0565454683360345]))
  #expect(
    near(
      legacy10.decode(legacy10.encode(gt, relativeTo: anchor), relativeTo: anchor).values,
      [2, 3, 14, 19]))
  let mm = BoxCoder(.mmdetection(means: .zero, stds: [0.1, 0.1, 0.2, 0.2], centerClamp: nil))
  #expect(
    near(mm.encode(gt, relativeTo: anchor), [3.0, 0.5, 0.9116077839697729, -1.1157177565710485]))
}

@Test func clampLimitsAreThePeersConstants() {
  #expect(Double(BoxCoder.standardScaleClamp) == Double(Float(4.135166556742356)))
  #expect(BoxCoder.mmdetectionScaleClamp == BoxCoder.standardScaleClamp)
  #expect(BoxCoder().scaleClamp == BoxCoder.standardScaleClamp)
}

/// torchvision clamps dw from above only; mmdetection on both sides; with a centre clamp,
/// mmdetection limits the shift to 32 pixels and dw from above only.
@Test func clampSidesDifferByConvention() {
  let anchor = BoxArray([Box(x1: 0, y1: 0, x2: 100, y2: 100)])
  let shrink: [Float] = [0, 0, -10, -10]
  let tv = BoxCoder().decode(shrink, relativeTo: anchor)[0]
  #expect(abs(tv.width - 100 * expf(-10)) < 1e-4)
  let mm = BoxCoder(.mmdetection(means: .zero, stds: .one, centerClamp: nil)).decode(
    shrink, relativeTo: anchor)[0]
  #expect(abs(mm.width - 100 * expf(-BoxCoder.mmdetectionScaleClamp)) < 1e-3)
  let ctr = BoxCoder(.mmdetection(means: .zero, stds: .one, centerClamp: 32))
  let shifted = ctr.decode([5, -5, -10, 0], relativeTo: anchor)[0]
  #expect((shifted.x1 + shifted.x2) / 2 == 82)  // 50 + 32
  #expect((shifted.y1 + shifted.y2) / 2 == 18)  // 50 - 32
  #expect(abs(shifted.width - 100 * expf(-10)) < 1e-4)
}

@Test func decodeClipsToTheImage() {
  let anchor = BoxArray([Box(x1: 10, y1: 10, x2: 50, y2: 50)])
  let image = ImageSize(height: 40, width: 60)
  let big: [Float] = [0, 0, 2, 2]
  let tv = BoxCoder().decode(big, relativeTo: anchor, clippingTo: image)[0]
  #expect(tv == Box(x1: 0, y1: 0, x2: 60, y2: 40))
  let legacy = BoxCoder(.detectronLegacy(weights: .one)).decode(
    big, relativeTo: anchor, clippingTo: image)[0]
  #expect(legacy == Box(x1: 0, y1: 0, x2: 59, y2: 39))
}

/// decode(encode(g)) == g up to rounding for every convention, on seeded random pairs whose
/// size ratios stay inside the clamps (|ln ratio| <= ln 10 < 4.135).
@Test(arguments: 0..<6)
func encodeDecodeRoundTrip(seed: UInt64) {
  var rng = SyntheticBoxes.SplitMix64(state: seed &+ 99)
  let n = 500
  let anchors = randomBoxes(n, minSide: 8, maxSide: 80, using: &rng)
  let boxes = randomBoxes(n, minSide: 8, maxSide: 80, using: &rng)
  let coders = [
    BoxCoder(), BoxCoder(weights: [10, 10, 5, 5]),
    BoxCoder(
      .mmdetection(means: [0.1, -0.1, 0, 0.2], stds: [0.1, 0.1, 0.2, 0.2], centerClamp: nil)),
    BoxCoder(.detectronLegacy(weights: [10, 10, 5, 5])),
  ]
  for coder in coders {
    let back = coder.decode(coder.encode(boxes, relativeTo: anchors), relativeTo: anchors)
    // Coordinates <= ~900 px: float32 spacing 6e-5; a few roundings through log/exp.
    let worst = zip(back.values, boxes.values).map { abs($0 - $1) }.max()!
    #expect(worst <= 1e-3, "\(coder.convention): worst error \(worst) px")
  }
}

/// The multi-core path (more than one 16,384-box chunk) gives the single-box results.
@Test func largeInputsSplitAcrossCoresGiveTheSameBits() {
  var rng = SyntheticBoxes.SplitMix64(state: 7)
  let n = 40_000
  let anchors = randomBoxes(n, using: &rng)
  let boxes = randomBoxes(n, using: &rng)
  let coder = BoxCoder(weights: [10, 10, 5, 5])
  let all = coder.encode(boxes, relativeTo: anchors)
  let decoded = coder.decode(all, relativeTo: anchors)
  for i in stride(from: 0, to: n, by: 997) {
    let one = coder.encode(BoxArray([boxes[i]]), relativeTo: BoxArray([anchors[i]]))
    #expect(one == Array(all[4 * i..<4 * i + 4]))
    #expect(coder.decode(one, relativeTo: BoxArray([anchors[i]]))[0] == decoded[i])
  }
}

@Test func emptyInputsCodeToEmpty() {
  #expect(BoxCoder().encode(BoxArray(), relativeTo: BoxArray()).isEmpty)
  #expect(BoxCoder().decode([], relativeTo: BoxArray()).isEmpty)
}

@Test func mismatchedCountsArePreconditionFailures() async {
  await #expect(processExitsWith: .failure) {
    _ = BoxCoder().encode(BoxArray(zeros: 2), relativeTo: BoxArray(zeros: 3))
  }
  await #expect(processExitsWith: .failure) {
    _ = BoxCoder().decode([0, 0, 0], relativeTo: BoxArray(zeros: 1))
  }
}
