import DetGeometry
import DetMatching
import Testing

/// REFERENCE.md section 2, cross-framework table: gt0 = [.10,.60,.60,.20,0],
/// gt1 = [.30,.35,.10,.45,0], low/high 0.4/0.5, low-quality on.
private let twoRows: [Float] = [0.10, 0.60, 0.60, 0.20, 0, 0.30, 0.35, 0.10, 0.45, 0]

private func run(
  _ policy: MatchPolicy, _ matrix: [Float], rows: Int, high: Float = 0.5, low: Float = 0.4,
  lowQuality: Bool = true
) -> [Int] {
  IoUMatcher(high: high, low: low, allowsLowQualityMatches: lowQuality, policy: policy)
    .match(iouMatrix: matrix, groundTruthCount: rows, anchorCount: matrix.count / max(rows, 1))
    .matches
}

@Test(arguments: [MatchPolicy.torchvision, .detectron2, .mmdetection, .detectron, .detkit])
func crossFrameworkTableAgreesWithoutAZeroRow(policy: MatchPolicy) {
  // TV [-1,0,0,1,-1]; D2 labels [0,1,1,1,0] with own-argmax indices; MM gt_inds [0,1,1,2,0].
  #expect(run(policy, twoRows, rows: 2) == [-1, 0, 0, 1, -1])
}

@Test func aZeroRowTurnsEveryAnchorPositiveInThePeers() {
  let three = twoRows + [Float](repeating: 0, count: 5)
  // TV -> [1,0,0,1,0]; D2 labels all 1 with own argmax (same indices).
  #expect(run(.torchvision, three, rows: 3) == [1, 0, 0, 1, 0])
  #expect(run(.detectron2, three, rows: 3) == [1, 0, 0, 1, 0])
  // MM (min_pos_iou 0) -> gt_inds [3,3,3,3,3]: the last ground truth takes every anchor.
  #expect(run(.mmdetection, three, rows: 3) == [2, 2, 2, 2, 2])
  // min_pos_iou > 0 is the only peer guard: ground truth 2 (best 0) makes no match.
  #expect(
    run(.mmdetection(minPositiveIoU: 0.3, assignsAllTies: true), three, rows: 3) == [
      -1, 0, 0, 1, -1,
    ])
  // Detectron resets everything below low after the ties.
  #expect(run(.detectron, three, rows: 3) == [-1, 0, 0, 1, -1])
  // detkit: a ground truth whose best IoU is 0 creates no matches.
  #expect(run(.detkit, three, rows: 3) == [-1, 0, 0, 1, -1])
}

@Test func torchvisionTieVectorsOfTV4() {
  #expect(run(.torchvision, twoRows, rows: 2, high: 0.7, low: 0.3) == [-2, 0, 0, 1, -1])
  #expect(run(.torchvision, [0.5, 0.2, 0.5, 0.2], rows: 2) == [0, -1])
  // Anchor 0 is gt0's best (.35) but has .38 with gt1.
  let best: [Float] = [0.35, 0.10, 0.38, 0.45]
  #expect(run(.torchvision, best, rows: 2) == [1, 1])
  #expect(run(.detectron2, best, rows: 2) == [1, 1])
  #expect(run(.mmdetection, best, rows: 2) == [0, 1])
  #expect(run(.detectron, best, rows: 2) == [-1, 1])
}

@Test func mmdetectionFirstOnlyAssignsOneAnchorPerGroundTruth() {
  // gt0's best .6 is reached by anchors 1 and 2; gt_max_assign_all=False takes anchor 1 only.
  let policy = MatchPolicy.mmdetection(minPositiveIoU: 0, assignsAllTies: false)
  #expect(run(policy, twoRows, rows: 2, high: 0.7, low: 0.3) == [-2, 0, -2, 1, -1])
}

@Test func detkitTiesWithinTolerance() {
  // Anchors 0 and 1 differ by 5e-6 from gt0's best: a tie for detkit, not for torchvision.
  let matrix: [Float] = [0.2, 0.2 - 5e-6, 0.1]
  #expect(run(.torchvision, matrix, rows: 1) == [0, -1, -1])
  #expect(run(.detkit, matrix, rows: 1) == [0, 0, -1])
  #expect(run(.detkit(tieTolerance: 1e-6), matrix, rows: 1) == [0, -1, -1])
}

@Test func zeroGroundTruthIsAllBackground() throws {
  for policy in [MatchPolicy.torchvision, .detectron2, .mmdetection, .detectron, .detkit] {
    #expect(run(policy, [], rows: 0) == [])
    let result = try IoUMatcher(high: 0.7, low: 0.3, allowsLowQualityMatches: true, policy: policy)
      .match(
        groundTruth: BoxArray(),
        anchors: BoxArray([Box(x1: 0, y1: 0, x2: 4, y2: 4), Box(x1: 2, y1: 2, x2: 9, y2: 9)]))
    #expect(result.matches == [-1, -1])
    #expect(result.statistics.negatives == 2)
  }
}

@Test func degenerateGroundTruthThrowsOrIsSkipped() throws {
  let anchors = BoxArray([Box(x1: 0, y1: 0, x2: 10, y2: 10), Box(x1: 20, y1: 20, x2: 30, y2: 30)])
  let gt = BoxArray([
    Box(x1: 5, y1: 5, x2: 5, y2: 9), Box(x1: 20, y1: 20, x2: 30, y2: 30),
    Box(x1: .nan, y1: 0, x2: 1, y2: 1),
  ])
  let strict = IoUMatcher(high: 0.7, low: 0.3, allowsLowQualityMatches: true)
  #expect(throws: MatchingError.degenerateGroundTruth(index: 0, box: gt[0])) {
    try strict.match(groundTruth: gt, anchors: anchors)
  }
  var lenient = strict
  lenient.degenerateGroundTruth = .skip
  let result = try lenient.match(groundTruth: gt, anchors: anchors)
  #expect(result.matches == [-1, 1])
  #expect(result.statistics.skippedGroundTruth == [0, 2])
  #expect(result.statistics.unmatchedGroundTruth == [])
  #expect(result.statistics.bestIoU == [0, 1, 0])
  #expect(
    String(describing: MatchingError.degenerateGroundTruth(index: 0, box: gt[0])).contains(
      "ground truth row 0"))
}

@Test func nonFiniteAnchorThrows() {
  let anchors = BoxArray([
    Box(x1: 0, y1: 0, x2: 10, y2: 10), Box(x1: 0, y1: .infinity, x2: 3, y2: 3),
  ])
  #expect(throws: MatchingError.nonFiniteAnchor(index: 1, box: anchors[1])) {
    try IoUMatcher(high: 0.7, low: 0.3, allowsLowQualityMatches: true)
      .match(groundTruth: BoxArray([Box(x1: 0, y1: 0, x2: 5, y2: 5)]), anchors: anchors)
  }
}

@Test func statisticsCountLabelsAndBestIoU() {
  let result = IoUMatcher(high: 0.7, low: 0.3, allowsLowQualityMatches: false, policy: .torchvision)
    .match(iouMatrix: [0.8, 0.5, 0.1, 0, 0.2, 0.2, 0.1, 0], groundTruthCount: 2, anchorCount: 4)
  #expect(result.matches == [0, -2, -1, -1])
  #expect(result.statistics.positives == 1)
  #expect(result.statistics.negatives == 2)
  #expect(result.statistics.ignored == 1)
  #expect(result.statistics.unmatchedGroundTruth == [1])
  #expect(result.statistics.bestIoU == [0.8, 0.2])
}

@Test func ignoredAnchorsAreRemovedFromMatching() {
  // Anchor 1 is gt0's best but ignored: it stays -2 and anchor 0 becomes gt0's best.
  let matrix: [Float] = [0.2, 0.6, 0.1]
  let matcher = IoUMatcher(high: 0.7, low: 0.3, allowsLowQualityMatches: true, policy: .torchvision)
  let result = matcher.match(
    iouMatrix: matrix, groundTruthCount: 1, anchorCount: 3, ignoring: [false, true, false])
  #expect(result.matches == [0, -2, -1])
  #expect(result.statistics.bestIoU == [0.2])
}
