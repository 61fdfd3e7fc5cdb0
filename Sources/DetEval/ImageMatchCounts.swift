/// One image's matching outcome at one setting (by default IoU 0.5, maxDets 100, area range
/// `all`), summed over its categories: what "why is this image's AP low" needs.
///
/// Counted exactly as pycocotools' `evaluateImg` matches and `accumulate` counts:
/// - ``truePositives``: kept detections (the first `maxDetections` of each category by score)
///   matched to ground truth that counts;
/// - ``falsePositives``: kept detections matched to nothing (and not ignored), plus those
///   matched to a ground truth whose id is 0 (pycocotools reads that match as "unmatched");
/// - ``ignored``: kept detections that are neither, because they matched a crowd region or
///   ignored ground truth, or are unmatched with `width * height` outside the area range;
/// - ``missed``: ground truth that counts (not crowd, `area` in range) minus true positives —
///   so `truePositives / (truePositives + missed)` is the image's recall as `accumulate`
///   computes it.
/// Detections past `maxDetections` in a category are not counted at all.
public struct ImageMatchCounts: Hashable, Sendable {
  /// The image id, as given to ``COCOEvaluator/evaluate(images:categories:groundTruth:detections:imageCounts:)``.
  public var imageID: Int64
  public var truePositives: Int
  public var falsePositives: Int
  public var missed: Int
  public var ignored: Int

  public init(imageID: Int64, truePositives: Int, falsePositives: Int, missed: Int, ignored: Int) {
    self.imageID = imageID
    self.truePositives = truePositives
    self.falsePositives = falsePositives
    self.missed = missed
    self.ignored = ignored
  }

  /// The ground truth that counts: `truePositives + missed`.
  public var countedGroundTruth: Int { truePositives + missed }
}

/// Which setting per-image counts are taken at.
public struct ImageCountSetting: Hashable, Sendable {
  /// The IoU threshold (matching uses `min(t, 1 - 1e-10)` as pycocotools does).
  public var iouThreshold: Double
  /// Detections kept per image and category, best score first.
  public var maxDetections: Int
  /// The area range ground truth must lie in to count (on its stored `area`).
  public var areaRange: AreaRange

  /// - Precondition: `maxDetections >= 1`, `iouThreshold` finite, the range not empty.
  public init(
    iouThreshold: Double = 0.5, maxDetections: Int = 100,
    areaRange: AreaRange = AreaRange.coco[0]
  ) {
    precondition(maxDetections >= 1, "maxDetections must be at least 1")
    precondition(iouThreshold.isFinite, "the IoU threshold must be finite")
    precondition(areaRange.lower <= areaRange.upper, "the area range is empty or NaN")
    self.iouThreshold = iouThreshold
    self.maxDetections = maxDetections
    self.areaRange = areaRange
  }

  /// pycocotools' headline setting: IoU 0.5, maxDets 100, area `all` `[0, 1e10]`.
  public static let standard = ImageCountSetting()
}

extension EvalMatches {
  /// Per-image counts from the codes of threshold slot `t` and area slot `a`, counting kept
  /// detections of rank below `maxDetections`.
  /// - Complexity: O(units + kept detections).
  func imageCounts(
    groups: EvalGroups, imageIDs: [Int64], iou t: Int, area a: Int, thresholdCount: Int,
    areaCount: Int, maxDetections: Int
  ) -> [ImageMatchCounts] {
    let unitsPerImage = groups.usesCategories ? groups.categoryCount : 1
    var out: [ImageMatchCounts] = []
    out.reserveCapacity(imageIDs.count)
    for (i, id) in imageIDs.enumerated() {
      var tp = 0
      var fp = 0
      var ignored = 0
      var counted = 0
      for u in (i * unitsPerImage)..<((i + 1) * unitsPerImage) {
        counted += Int(nonIgnored[u * areaCount + a])
        for x in keptStart[u]..<keptStart[u + 1] where Int(keptRanks[x]) < maxDetections {
          switch codes[(x * areaCount + a) * thresholdCount + t] {
          case EvalMatches.truePositive: tp += 1
          case EvalMatches.falsePositive: fp += 1
          default: ignored += 1
          }
        }
      }
      out.append(
        ImageMatchCounts(
          imageID: id, truePositives: tp, falsePositives: fp, missed: counted - tp,
          ignored: ignored))
    }
    return out
  }
}
