import DetSupport

/// COCO bounding-box evaluation computed exactly as pycocotools' `COCOeval` (`iouType='bbox'`)
/// computes it: `evaluate()`, `accumulate()` and the numbers `summarize()` prints.
///
/// What "exactly" covers, step by step:
/// - **Selection.** Images `params.imgIds` and categories `params.catIds`, sorted and
///   deduplicated; ground truth and detections outside them take no part.
/// - **Per image × category** (per image when ``COCOEvalParameters/usesCategories`` is false,
///   with the ground truth and detections of the selected categories concatenated in category
///   order): detections sorted by score, highest first, ties in input order; only the first
///   `max(maxDets)` are kept. IoU in `Double` on the `[x, y, w, h]` boxes as given, as the C
///   `bbIou` computes it; against a crowd region the union is the detection's area.
/// - **Matching** per area range and IoU threshold `t`: ground truth is ignored when it is a
///   crowd or its stored `area` lies outside the range; ignored ground truth is tried last.
///   Each detection, in score order, takes the ground truth with the highest IoU that is
///   at least `min(t, 1 - 1e-10)` (on equal IoU the later one in that order), skipping
///   non-crowd ground truth already taken and stopping at the ignored ones once it holds a
///   non-ignored match. A detection matched to ignored ground truth is ignored; an unmatched
///   detection whose `width * height` lies outside the range is ignored.
/// - **Accumulation** per category, area range and maxDets: the first maxDets detections of
///   every image, merged by score (ties in image order, then per-image order), cumulative TP
///   and FP, recall `tp / npig`, precision `tp / (tp + fp + 2^-52)`, precision made
///   non-increasing from the right, and sampled at each recall point at the first index whose
///   recall reaches it (`searchsorted(..., 'left')`), 0 past the end. Settings without
///   non-ignored ground truth keep -1.
///
/// Work is split across cores by images and categories; every output slot is written by one
/// task, so the result does not depend on scheduling.
public struct COCOEvaluator: Sendable {
  public var parameters: COCOEvalParameters

  public init(parameters: COCOEvalParameters = COCOEvalParameters()) {
    self.parameters = parameters
  }

  /// Evaluates `detections` against `groundTruth`.
  ///
  /// - Parameters:
  ///   - images: every image id of the ground truth (pycocotools' `cocoGt.getImgIds()`),
  ///     including images without annotations; the default image selection.
  ///   - categories: every category id of the ground truth (`cocoGt.getCatIds()`),
  ///     including categories without annotations; the default category selection.
  ///   - groundTruth: annotations in file order (their order breaks IoU ties, as in
  ///     pycocotools). Annotations of images or categories outside the selection are skipped.
  ///   - detections: results in file order (their order breaks score ties). Taken as
  ///     `consuming`: pass the only copy (as `detkit eval` does) and it is freed before
  ///     matching, once laid out by image and category.
  ///   - imageCounts: when given, also count each selected image's true positives, false
  ///     positives, missed and ignored boxes at that setting (``ImageMatchCounts``). They come
  ///     from the same matching when the parameters hold its IoU threshold, its area range
  ///     and a maxDets at least as large; otherwise one more matching pass computes them.
  ///   - progress: when given, called with ``DetSupport/ProgressUnit/steps``: one step per
  ///     image-category group matched, then one per category accumulated (from worker
  ///     threads; the extra matching pass of `imageCounts`, when needed, is not counted).
  /// - Returns: the precision and recall arrays, from which ``COCOEvaluation/summary(_:)``
  ///   gives the 12 stats, and the per-image counts when asked for.
  /// - Throws: `EvalError.unknownImages` / `.unknownCategories` when detections name ids
  ///   that `images` / `categories` lack (pycocotools asserts on the images and silently
  ///   drops unknown categories; here both are errors); `.invalidParameters` from
  ///   ``COCOEvalParameters/validate()``.
  /// - Complexity: O(G + D log D + Σ T·A·dᵢ·gᵢ) for groups of dᵢ kept detections and gᵢ
  ///   ground truth, plus O(T·R·K·A·M) for the arrays.
  public func evaluate(
    images: [Int64], categories: [Int64], groundTruth: [EvalGroundTruth],
    detections: consuming [EvalDetection], imageCounts: ImageCountSetting? = nil,
    progress: WorkProgressHandler? = nil
  ) throws -> COCOEvaluation {
    try parameters.validate()
    let knownImages = IDIndex(Array(Set(images)))
    let knownCategories = IDIndex(Array(Set(categories)))
    try Self.checkReferences(detections, images: knownImages, categories: knownCategories)

    var resolved = parameters
    let imageIDs = Array(Set(parameters.imageIDs ?? images)).sorted()
    let categoryIDs = Array(Set(parameters.categoryIDs ?? categories)).sorted()
    resolved.imageIDs = imageIDs
    resolved.categoryIDs = categoryIDs
    resolved.maxDetections = parameters.maxDetections.sorted()

    // The last use of `detections`: moved into the layout, which frees it (when the caller
    // passed its only copy) before matching.
    let groups = EvalGroups(
      imageIDs: imageIDs, categoryIDs: categoryIDs, groundTruth: groundTruth,
      detections: consume detections, usesCategories: parameters.usesCategories,
      maxKept: resolved.maxDetections.last!)
    let steps = WorkTally(
      progress, total: groups.unitCount + (groups.usesCategories ? groups.categoryCount : 1),
      unit: .steps)
    steps.report()
    let matches = groups.match(parameters: resolved, steps: steps)
    var evaluation = groups.accumulate(matches, parameters: resolved, steps: steps)
    if let setting = imageCounts {
      evaluation.imageCounts = Self.imageCounts(
        setting, groups: groups, matches: matches, parameters: resolved)
    }
    return evaluation
  }

  /// The per-image counts at `setting`: read off `matches` when they hold it, else from a
  /// matching pass at that setting alone.
  private static func imageCounts(
    _ setting: ImageCountSetting, groups: EvalGroups, matches: EvalMatches,
    parameters: COCOEvalParameters
  ) -> [ImageMatchCounts] {
    let imageIDs = parameters.imageIDs ?? []
    if let t = parameters.iouThresholds.firstIndex(of: setting.iouThreshold),
      let a = parameters.areaRanges.firstIndex(where: {
        $0.lower == setting.areaRange.lower && $0.upper == setting.areaRange.upper
      }),
      groups.maxKept >= setting.maxDetections
    {
      return matches.imageCounts(
        groups: groups, imageIDs: imageIDs, iou: t, area: a,
        thresholdCount: parameters.iouThresholds.count,
        areaCount: parameters.areaRanges.count, maxDetections: setting.maxDetections)
    }
    var own = parameters
    own.iouThresholds = [setting.iouThreshold]
    own.areaRanges = [setting.areaRange]
    own.maxDetections = [setting.maxDetections]
    var narrowed = groups
    narrowed.maxKept = setting.maxDetections
    return narrowed.match(parameters: own).imageCounts(
      groups: narrowed, imageIDs: imageIDs, iou: 0, area: 0, thresholdCount: 1, areaCount: 1,
      maxDetections: setting.maxDetections)
  }

  /// Throws for the first kind of unknown reference found, naming the first few ids.
  private static func checkReferences(
    _ detections: [EvalDetection], images: IDIndex, categories: IDIndex
  ) throws {
    var badImages: [Int64] = []
    var badImageSet = Set<Int64>()
    var badImageCount = 0
    var badCategories: [Int64] = []
    var badCategorySet = Set<Int64>()
    var badCategoryCount = 0
    for detection in detections {
      if images.position(of: detection.imageID) < 0 {
        badImageCount += 1
        if badImageSet.insert(detection.imageID).inserted { badImages.append(detection.imageID) }
      }
      if categories.position(of: detection.categoryID) < 0 {
        badCategoryCount += 1
        if badCategorySet.insert(detection.categoryID).inserted {
          badCategories.append(detection.categoryID)
        }
      }
    }
    if badImageCount > 0 {
      throw EvalError(
        code: .unknownImages, ids: Array(badImages.prefix(EvalError.sampleLimit)),
        distinctCount: badImages.count, detectionCount: badImageCount)
    }
    if badCategoryCount > 0 {
      throw EvalError(
        code: .unknownCategories, ids: Array(badCategories.prefix(EvalError.sampleLimit)),
        distinctCount: badCategories.count, detectionCount: badCategoryCount)
    }
  }
}
