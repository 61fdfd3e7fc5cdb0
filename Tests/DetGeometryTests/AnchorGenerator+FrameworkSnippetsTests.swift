import DetGeometry
import Foundation
import Testing

@Test func torchvisionSnippetOfTheRetinaNetPresetIsTorchvisionsOwn() {
  let (text, expressible) = AnchorGenerator(preset: .retinanet, compatibility: .torchvision)
    .snippet(for: .torchvision)
  #expect(expressible)
  // REFERENCE: torchvision retinanet.py `_default_anchorgen`:
  // tuple((x, int(x * 2 ** (1.0 / 3)), int(x * 2 ** (2.0 / 3))) for x in [32, ..., 512])
  #expect(
    text.contains(
      "sizes=((32, 40, 50), (64, 80, 101), (128, 161, 203), (256, 322, 406), (512, 645, 812),),"
    ))
  #expect(text.contains("aspect_ratios=((0.5, 1.0, 2.0), (0.5, 1.0, 2.0),"))
  #expect(!text.contains("# this configuration uses"))
}

@Test func detectron2SnippetOfTheFPNPreset() {
  let (text, _) = AnchorGenerator(preset: .fpn, compatibility: .detectron2)
    .snippet(for: .detectron2)
  // REFERENCE: detectron2 defaults SIZES [[32], [64], [128], [256], [512]],
  // ASPECT_RATIOS [[0.5, 1.0, 2.0]], OFFSET 0.0.
  #expect(
    text.contains("cfg.MODEL.ANCHOR_GENERATOR.SIZES = [[32.0], [64.0], [128.0], [256.0], [512.0]]"))
  #expect(text.contains("cfg.MODEL.ANCHOR_GENERATOR.OFFSET = 0.0"))
}

@Test func mmdetectionSnippetOfTheRetinaNetPresetUsesStrideBaseSizes() {
  let (text, expressible) = AnchorGenerator(preset: .retinanet, compatibility: .mmdetection)
    .snippet(for: .mmdetection)
  #expect(expressible)
  // REFERENCE: mmdetection retinanet_r50_fpn: octave_base_scale=4, scales_per_octave=3
  // (scales 4 * 2^(i/3)), ratios [0.5, 1.0, 2.0], strides [8, 16, 32, 64, 128].
  #expect(text.contains("strides=[8, 16, 32, 64, 128],"))
  #expect(text.contains("ratios=[0.5, 1.0, 2.0],"))
  // mmdetection: octave_base_scale * 2 ** (i / scales_per_octave).
  #expect(text.contains("scales=[4.0, \(4 * pow(2, 1.0 / 3)), \(4 * pow(2, 2.0 / 3))],"))
  #expect(!text.contains("base_sizes") && !text.contains("NOT EXPRESSIBLE"))
}

@Test func mmdetectionSnippetSaysWhatItCannotExpress() {
  let perLevel = AnchorGenerator(
    levels: [
      .init(name: "P3", stride: 8, size: 20, sizes: [20, 30], aspectRatios: [0.5, 1]),
      .init(name: "P4", stride: 16, size: 50, sizes: [50, 60], aspectRatios: [1, 2]),
    ], aspectRatios: [1], compatibility: .mmdetection)
  let (text, expressible) = perLevel.snippet(for: .mmdetection)
  #expect(!expressible)
  #expect(text.contains("shares ratios") && text.contains("shares scales"))
  // Shared ratios and shared relative scales: per-level base sizes express it.
  let shared = AnchorGenerator(
    levels: [
      .init(name: "P3", stride: 8, size: 20, sizes: [20, 30], aspectRatios: [0.5, 1]),
      .init(name: "P4", stride: 16, size: 50, sizes: [50, 75], aspectRatios: [0.5, 1]),
    ], aspectRatios: [1], compatibility: .mmdetection)
  let (sharedText, sharedExpressible) = shared.snippet(for: .mmdetection)
  #expect(sharedExpressible)
  #expect(
    sharedText.contains("base_sizes=[20.0, 50.0],") && sharedText.contains("scales=[1.0, 1.5],"))
}
