import DetMatching
import Testing

@Test func matchLabelsAreTorchvisionCodes() {
  // torchvision Matcher: BELOW_LOW_THRESHOLD = -1, BETWEEN_THRESHOLDS = -2.
  #expect(MatchLabel.background == -1)
  #expect(MatchLabel.ignore == -2)
}
