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
  var maxKept: Int

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

    // Ground truth, then detections: counting sort by key, stable. Arrays get at least one
    // (unused) element so their buffers always have a base address.
    let gt = GroupSlots(count: groundTruth.count, groupCount: groupCount) {
      key(groundTruth[$0].imageID, groundTruth[$0].categoryID)
    }
    var gtBoxes = [Double](repeating: 0, count: 4 * max(1, gt.total))
    var gtAreas = [Double](repeating: 0, count: max(1, gt.total))
    var gtCrowd = [Bool](repeating: false, count: max(1, gt.total))
    var gtZero = [Bool](repeating: false, count: max(1, gt.total))
    for (n, annotation) in groundTruth.enumerated() {
      let slot = gt.slot[n]
      guard slot >= 0 else { continue }
      gtBoxes[4 * slot] = annotation.x
      gtBoxes[4 * slot + 1] = annotation.y
      gtBoxes[4 * slot + 2] = annotation.width
      gtBoxes[4 * slot + 3] = annotation.height
      gtAreas[slot] = annotation.area
      gtCrowd[slot] = annotation.isCrowd
      gtZero[slot] = annotation.id == 0
    }

    let dt = GroupSlots(count: detections.count, groupCount: groupCount) {
      key(detections[$0].imageID, detections[$0].categoryID)
    }
    var dtBoxes = [Double](repeating: 0, count: 4 * max(1, dt.total))
    var dtScores = [Double](repeating: 0, count: max(1, dt.total))
    detections.withUnsafeBufferPointer { source in
      dt.slot.withUnsafeBufferPointer { slots in
        dtBoxes.withUnsafeMutableBufferPointer { boxes in
          dtScores.withUnsafeMutableBufferPointer { scores in
            for n in 0..<source.count {
              let slot = slots[n]
              guard slot >= 0 else { continue }
              let detection = source[n]
              boxes[4 * slot] = detection.x
              boxes[4 * slot + 1] = detection.y
              boxes[4 * slot + 2] = detection.width
              boxes[4 * slot + 3] = detection.height
              scores[slot] = detection.score
            }
          }
        }
      }
    }

    groundTruthStart = gt.start
    groundTruthBoxes = gtBoxes
    groundTruthAreas = gtAreas
    groundTruthIsCrowd = gtCrowd
    groundTruthHasZeroID = gtZero
    detectionStart = dt.start
    detectionBoxes = dtBoxes
    detectionScores = dtScores
  }
}
