import DetEval
import Testing

/// Errors and degenerate inputs; the numbers themselves are pinned by the pycocotools goldens.
@Suite struct COCOEvaluatorTests {
  private func box(_ image: Int64, _ category: Int64, id: Int64 = 1) -> EvalGroundTruth {
    EvalGroundTruth(
      id: id, imageID: image, categoryID: category, x: 0, y: 0, width: 10, height: 10, area: 100)
  }

  private func detection(_ image: Int64, _ category: Int64, score: Double = 0.5) -> EvalDetection {
    EvalDetection(
      imageID: image, categoryID: category, x: 0, y: 0, width: 10, height: 10, score: score)
  }

  @Test func detectionsOnUnknownImagesNameTheFirstIdsAndTheCounts() {
    let detections = [7, 8, 7, 9, 10, 11, 12, 13].map { detection(Int64($0), 1) }
    #expect {
      _ = try COCOEvaluator().evaluate(
        images: [1, 2], categories: [1], groundTruth: [box(1, 1)], detections: detections)
    } throws: { error in
      guard let error = error as? EvalError else { return false }
      return error.code == .unknownImages && error.ids == [7, 8, 9, 10, 11]
        && error.distinctCount == 7 && error.detectionCount == 8
        && error.description.contains("8 detection(s) refer to 7 image id(s)")
        && error.description.hasSuffix("7, 8, 9, 10, 11, ...")
    }
  }

  @Test func detectionsOfUnknownCategoriesAreAnError() {
    #expect {
      _ = try COCOEvaluator().evaluate(
        images: [1], categories: [1], groundTruth: [box(1, 1)],
        detections: [detection(1, 1), detection(1, 4)])
    } throws: { error in
      (error as? EvalError).map { $0.code == .unknownCategories && $0.ids == [4] } ?? false
    }
  }

  @Test(arguments: [
    COCOEvalParameters(iouThresholds: []),
    COCOEvalParameters(recallThresholds: []),
    COCOEvalParameters(maxDetections: [0, 10]),
    COCOEvalParameters(areaRanges: [AreaRange(label: "all", lower: 10, upper: 1)]),
    COCOEvalParameters(iouThresholds: [.nan]),
  ])
  func invalidParametersThrow(_ parameters: COCOEvalParameters) {
    #expect(throws: EvalError.self) {
      _ = try COCOEvaluator(parameters: parameters).evaluate(
        images: [1], categories: [1], groundTruth: [], detections: [])
    }
  }

  /// Ground truth without detections: precision and recall 0 where ground truth counts, -1
  /// for the category without any, so AP and AR are 0 (the -1 slots are left out of means).
  @Test func noDetectionsGiveZeroNotMinusOne() throws {
    let evaluation = try COCOEvaluator().evaluate(
      images: [1, 2], categories: [1, 2], groundTruth: [box(1, 1), box(2, 1)], detections: [])
    let stats = evaluation.summary().stats
    // Every ground truth is small (area 100), so medium and large have none: -1.
    #expect(stats == [0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1])
    let metrics = evaluation.categoryMetrics()
    #expect(metrics.map(\.categoryID) == [1, 2])
    #expect(metrics.map(\.averagePrecision) == [0, -1])
  }

  /// Nothing to evaluate at all: every stat is -1, as pycocotools prints it.
  @Test func emptyGroundTruthGivesMinusOne() throws {
    let evaluation = try COCOEvaluator().evaluate(
      images: [1], categories: [1], groundTruth: [], detections: [detection(1, 1)])
    #expect(evaluation.summary().stats == Array(repeating: -1, count: 12))
    #expect(
      evaluation.summary(.pycocotools).text(iouThresholds: evaluation.parameters.iouThresholds)
        .hasPrefix(
          " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = -1.000\n"))
  }

  /// One perfect detection per image: AP 1 at every threshold.
  @Test func perfectDetectionsScoreOne() throws {
    let evaluation = try COCOEvaluator().evaluate(
      images: [1, 2, 3], categories: [5], groundTruth: [box(1, 5), box(2, 5), box(3, 5, id: 9)],
      detections: [detection(1, 5), detection(2, 5, score: 0.9), detection(3, 5, score: 0.1)])
    let stats = evaluation.summary().stats
    #expect(stats[0] == 1)
    #expect(stats[8] == 1)
  }

  /// The chosen convention reads the largest maxDets; pycocotools' reads 100 for the first
  /// line and is -1 when 100 is not among them.
  @Test func summaryConventionsDifferOnlyOffTheDefaultMaxDets() throws {
    let parameters = COCOEvalParameters(maxDetections: [1, 10, 300])
    let evaluation = try COCOEvaluator(parameters: parameters).evaluate(
      images: [1], categories: [5], groundTruth: [box(1, 5)], detections: [detection(1, 5)])
    // One true positive: precision 1 / (1 + 2^-52), pycocotools' np.spacing(1) in the
    // denominator; means of it may round a further ulp.
    #expect(abs(evaluation.summary(.chosen).stats[0] - 1) <= 4 * Double.ulpOfOne)
    #expect(evaluation.summary(.pycocotools).stats[0] == -1)
    #expect(evaluation.summary(.chosen).lines[0].maxDetections == 300)
    let short = try COCOEvaluator(parameters: COCOEvalParameters(maxDetections: [5])).evaluate(
      images: [1], categories: [5], groundTruth: [box(1, 5)], detections: [detection(1, 5)])
    // pycocotools raises IndexError on maxDets[1] / maxDets[2]; here those stats are -1.
    #expect(short.summary(.pycocotools).stats[1] == -1)
    #expect(abs(short.summary(.chosen).stats[1] - 1) <= 4 * Double.ulpOfOne)
  }
}

/// Per-image counts on a case small enough to count by hand.
@Suite struct ImageMatchCountsTests {
  /// One image: a person (10 x 10 at the origin) and a crowd region far away. Detections by
  /// score: 0.9 misses everything (false), 0.8 hits the person (true), 0.7 duplicates it
  /// (false), 0.6 lies in the crowd (ignored).
  private func evaluate(maxDetections: Int) throws -> ImageMatchCounts {
    let groundTruth = [
      EvalGroundTruth(
        id: 1, imageID: 1, categoryID: 1, x: 0, y: 0, width: 10, height: 10, area: 100),
      EvalGroundTruth(
        id: 2, imageID: 1, categoryID: 1, x: 100, y: 100, width: 50, height: 50, area: 2500,
        isCrowd: true),
    ]
    func detection(_ x: Double, _ score: Double) -> EvalDetection {
      EvalDetection(
        imageID: 1, categoryID: 1, x: x, y: x, width: 10, height: 10, score: score)
    }
    let detections = [
      detection(0, 0.7), detection(0, 0.8), detection(50, 0.9), detection(110, 0.6),
    ]
    let evaluation = try COCOEvaluator().evaluate(
      images: [1, 2], categories: [1], groundTruth: groundTruth, detections: detections,
      imageCounts: ImageCountSetting(maxDetections: maxDetections))
    #expect(evaluation.imageCounts.map(\.imageID) == [1, 2])
    #expect(
      evaluation.imageCounts[1]
        == ImageMatchCounts(imageID: 2, truePositives: 0, falsePositives: 0, missed: 0, ignored: 0))
    return evaluation.imageCounts[0]
  }

  @Test func countsFollowScoreOrderAndMaxDets() throws {
    #expect(
      try evaluate(maxDetections: 100)
        == ImageMatchCounts(imageID: 1, truePositives: 1, falsePositives: 2, missed: 0, ignored: 1))
    #expect(
      try evaluate(maxDetections: 1)
        == ImageMatchCounts(imageID: 1, truePositives: 0, falsePositives: 1, missed: 1, ignored: 0))
    #expect(
      try evaluate(maxDetections: 2)
        == ImageMatchCounts(imageID: 1, truePositives: 1, falsePositives: 1, missed: 0, ignored: 0))
  }

  @Test func noCountsUnlessAsked() throws {
    let evaluation = try COCOEvaluator().evaluate(
      images: [1], categories: [1], groundTruth: [], detections: [])
    #expect(evaluation.imageCounts.isEmpty)
  }
}
