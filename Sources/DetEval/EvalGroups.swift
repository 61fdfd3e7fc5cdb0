/// Ground truth and detections laid out once for evaluation: grouped by image × category
/// (key `image * K + category`, images and categories by sorted position), file order kept
/// inside a group, boxes in contiguous `Double` arrays.
///
/// A *unit* is what pycocotools evaluates at once: one group with categories, or the `K`
/// groups of an image without.
struct EvalGroups: Sendable {
  let imageCount: Int
  let categoryCount: Int
  let usesCategories: Bool
  /// Detections kept per unit at most: the largest maxDets.
  let maxKept: Int

  /// `groundTruthStart[key] ..< groundTruthStart[key + 1]` are the group's ground truth.
  let groundTruthStart: [Int]
  /// `[x, y, w, h]` per ground truth, grouped.
  let groundTruthBoxes: [Double]
  let groundTruthAreas: [Double]
  let groundTruthIsCrowd: [Bool]
  let groundTruthHasZeroID: [Bool]

  /// `detectionStart[key] ..< detectionStart[key + 1]` are the group's detections.
  let detectionStart: [Int]
  let detectionBoxes: [Double]
  let detectionScores: [Double]

  /// How many units there are: `I * K` with categories, `I` without.
  var unitCount: Int { usesCategories ? imageCount * categoryCount : imageCount }

  /// The group keys of unit `u`.
  @inline(__always) func keys(ofUnit u: Int) -> Range<Int> {
    usesCategories ? u..<(u + 1) : (u * categoryCount)..<((u + 1) * categoryCount)
  }

  init(
    imageIDs: [Int64], categoryIDs: [Int64], groundTruth: [EvalGroundTruth],
    detections: [EvalDetection], usesCategories: Bool, maxKept: Int
  ) {
    imageCount = imageIDs.count
    categoryCount = categoryIDs.count
    self.usesCategories = usesCategories
    self.maxKept = maxKept
    let imageIndex = IDIndex(imageIDs)
    let categoryIndex = IDIndex(categoryIDs)
    let groupCount = imageIDs.count * categoryIDs.count
    let categoryCount = self.categoryCount

    @inline(__always) func key(_ image: Int64, _ category: Int64) -> Int {
      let i = imageIndex.position(of: image)
      let k = categoryIndex.position(of: category)
      return i < 0 || k < 0 ? -1 : i * categoryCount + k
    }

    // Ground truth: counting sort by key, stable. Arrays get at least one (unused) element so
    // their buffers always have a base address.
    var gtKeys = [Int](repeating: -1, count: groundTruth.count)
    var gtStart = [Int](repeating: 0, count: groupCount + 1)
    for (n, annotation) in groundTruth.enumerated() {
      let k = key(annotation.imageID, annotation.categoryID)
      gtKeys[n] = k
      if k >= 0 { gtStart[k + 1] += 1 }
    }
    for k in 0..<groupCount { gtStart[k + 1] += gtStart[k] }
    let gtTotal = gtStart[groupCount]
    var gtBoxes = [Double](repeating: 0, count: 4 * max(1, gtTotal))
    var gtAreas = [Double](repeating: 0, count: max(1, gtTotal))
    var gtCrowd = [Bool](repeating: false, count: max(1, gtTotal))
    var gtZero = [Bool](repeating: false, count: max(1, gtTotal))
    var gtNext = gtStart
    for (n, annotation) in groundTruth.enumerated() {
      let k = gtKeys[n]
      guard k >= 0 else { continue }
      let slot = gtNext[k]
      gtNext[k] += 1
      gtBoxes[4 * slot] = annotation.x
      gtBoxes[4 * slot + 1] = annotation.y
      gtBoxes[4 * slot + 2] = annotation.width
      gtBoxes[4 * slot + 3] = annotation.height
      gtAreas[slot] = annotation.area
      gtCrowd[slot] = annotation.isCrowd
      gtZero[slot] = annotation.id == 0
    }
    gtKeys = []

    // Detections: the same.
    var dtKeys = [Int](repeating: -1, count: detections.count)
    var dtStart = [Int](repeating: 0, count: groupCount + 1)
    for (n, detection) in detections.enumerated() {
      let k = key(detection.imageID, detection.categoryID)
      dtKeys[n] = k
      if k >= 0 { dtStart[k + 1] += 1 }
    }
    for k in 0..<groupCount { dtStart[k + 1] += dtStart[k] }
    let dtTotal = dtStart[groupCount]
    var dtBoxes = [Double](repeating: 0, count: 4 * max(1, dtTotal))
    var dtScores = [Double](repeating: 0, count: max(1, dtTotal))
    var dtNext = dtStart
    for (n, detection) in detections.enumerated() {
      let k = dtKeys[n]
      guard k >= 0 else { continue }
      let slot = dtNext[k]
      dtNext[k] += 1
      dtBoxes[4 * slot] = detection.x
      dtBoxes[4 * slot + 1] = detection.y
      dtBoxes[4 * slot + 2] = detection.width
      dtBoxes[4 * slot + 3] = detection.height
      dtScores[slot] = detection.score
    }

    groundTruthStart = gtStart
    groundTruthBoxes = gtBoxes
    groundTruthAreas = gtAreas
    groundTruthIsCrowd = gtCrowd
    groundTruthHasZeroID = gtZero
    detectionStart = dtStart
    detectionBoxes = dtBoxes
    detectionScores = dtScores
  }
}
