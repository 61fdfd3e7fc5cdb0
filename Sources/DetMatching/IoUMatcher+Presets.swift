import DetGeometry

extension IoUMatcher {
  /// torchvision's RPN matcher, `Matcher(0.7, 0.3, allow_low_quality_matches=True)`:
  /// positive at IoU >= 0.7, background below 0.3, each ground truth's best anchors (ties
  /// included) positive, torchvision's labelling rule (``MatchPolicy/torchvision``).
  ///
  /// The matcher of the FPN anchor preset (``AnchorGenerator/Preset/fpn``), the W-FPN
  /// workload and ``RPNCriterion``.
  public static let rpn = IoUMatcher(
    high: 0.7, low: 0.3, allowsLowQualityMatches: true, policy: .torchvision)

  /// torchvision's RetinaNet matcher, `Matcher(0.5, 0.4, allow_low_quality_matches=True)`:
  /// positive at IoU >= 0.5, background below 0.4, low-quality matches on, torchvision's
  /// labelling rule (``MatchPolicy/torchvision``).
  ///
  /// The matcher of the RetinaNet anchor preset (``AnchorGenerator/Preset/retinanet``) and
  /// ``RetinaNetCriterion``.
  public static let retinaNet = IoUMatcher(
    high: 0.5, low: 0.4, allowsLowQualityMatches: true, policy: .torchvision)

  /// The matcher the detector of an anchor preset uses: ``rpn`` for
  /// ``AnchorGenerator/Preset/fpn``, ``retinaNet`` for ``AnchorGenerator/Preset/retinanet``,
  /// with `policy` as its labelling rule.
  ///
  /// - Complexity: O(1).
  public static func preset(
    _ preset: AnchorGenerator.Preset, policy: MatchPolicy = .torchvision
  ) -> IoUMatcher {
    var matcher: IoUMatcher =
      switch preset {
      case .fpn: .rpn
      case .retinanet: .retinaNet
      }
    matcher.policy = policy
    return matcher
  }
}
