import DetGeometry
import DetMatching
import Testing

/// The named matchers carry torchvision's constructor arguments: `rpn.py` builds
/// `Matcher(0.7, 0.3, allow_low_quality_matches=True)`, `retinanet.py`
/// `Matcher(0.5, 0.4, allow_low_quality_matches=True)`.
@Test func namedMatchersCarryTorchvisionThresholds() {
  #expect(IoUMatcher.rpn.highThreshold == 0.7)
  #expect(IoUMatcher.rpn.lowThreshold == 0.3)
  #expect(IoUMatcher.rpn.allowsLowQualityMatches)
  #expect(IoUMatcher.rpn.policy == .torchvision)
  #expect(IoUMatcher.retinaNet.highThreshold == 0.5)
  #expect(IoUMatcher.retinaNet.lowThreshold == 0.4)
  #expect(IoUMatcher.retinaNet.allowsLowQualityMatches)
  #expect(IoUMatcher.retinaNet.policy == .torchvision)
  #expect(
    IoUMatcher.rpn.ignoreIoFThreshold == nil && IoUMatcher.retinaNet.ignoreIoFThreshold == nil)
}

/// An anchor preset's matcher is its detector's (FPN: the RPN), with the policy asked for.
@Test func presetMatcherFollowsTheAnchorPreset() {
  #expect(IoUMatcher.preset(.fpn) == .rpn)
  #expect(IoUMatcher.preset(.retinanet) == .retinaNet)
  let detectron = IoUMatcher.preset(.retinanet, policy: .detectron)
  #expect(detectron.policy == .detectron)
  #expect(detectron.highThreshold == 0.5 && detectron.lowThreshold == 0.4)
}
