import DetLoss
import Testing

struct LossNormalizerTests {
  @Test func emaSequenceOfDetectron2() {
    // REFERENCE.md §4 (re-impl of detectron2's _ema_update): 10 positives per batch.
    var ema = EMANormalizer()
    let got = (0..<4).map { _ in ema.update(positives: 10) }
    for (a, b) in zip(got, [91, 82.9, 75.61, 69.049]) { #expect(abs(a - b) <= 1e-12) }
    // No positives still counts as 1.
    var zero = EMANormalizer()
    #expect(abs(zero.update(positives: 0) - 90.1) <= 1e-12)
  }

  @Test func perImageAndMMDetection() {
    #expect(LossNormalizer.perImage(positives: 0) == 1)
    #expect(LossNormalizer.perImage(positives: 37) == 37)
    #expect(LossNormalizer.averageFactor(positivesPerImage: [0, 3, 12]) == 16)
    #expect(LossNormalizer.mmdetection(avgFactor: 16) == 16 + 1.1920928955078125e-07)
  }
}
