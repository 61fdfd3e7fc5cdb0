import DetGeometry
import Testing

@Test func conventionsDefaultToTheirOwnClamp() {
  #expect(BoxCoder(.detectronLegacy(weights: .one)).scaleClamp == BoxCoder.standardScaleClamp)
  #expect(
    BoxCoder(.mmdetection(means: .zero, stds: .one, centerClamp: 32)).scaleClamp
      == BoxCoder.mmdetectionScaleClamp)
  #expect(BoxCoder(.standard(weights: .one), scaleClamp: 2).scaleClamp == 2)
}

@Test func zeroWeightsArePreconditionFailures() async {
  await #expect(processExitsWith: .failure) { _ = BoxCoder(weights: [1, 1, 0, 1]) }
  await #expect(processExitsWith: .failure) {
    _ = BoxCoder(.mmdetection(means: .zero, stds: [1, .nan, 1, 1], centerClamp: nil))
  }
}
