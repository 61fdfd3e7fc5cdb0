import DetEval
import DetStore
import DetSupport
import Foundation

/// A dataset's ground truth and detections as DetEval's arrays.
///
/// Integer ids are used as they are. When any image (or category) id is a string, every
/// image (category) id is replaced by its position in sorted order: only their order matters
/// to the evaluation (pycocotools sorts them too).
///
/// Memory: the ground truth and the detections as `EvalGroundTruth` / `EvalDetection`
/// values (about 56 bytes a detection) until ``takeDetections()`` hands them over.
public struct EvalStoreInput {
  /// The dataset's image keys, in import order.
  public var images: [Int64] = []
  /// The dataset's category keys, in import order.
  public var categories: [Int64] = []
  /// Every annotation whose image and category the dataset has, in import order.
  public var groundTruth: [EvalGroundTruth] = []
  /// The set's detections in import order (empty after ``takeDetections()``).
  public var detections: [EvalDetection] = []
  /// How many detections were read (also after ``takeDetections()``).
  public private(set) var detectionCount = 0
  /// Category names by original id.
  public var categoryNames: [RecordID: String] = [:]
  /// The detection set read.
  public let set: String
  /// Each image's id and file name by its key.
  private var imageRecords: [Int64: (id: RecordID, fileName: String)] = [:]
  /// The head tag of runs `eval --record` writes.
  public static let recordedHead = "coco-eval"
  private var imageKeys: [RecordID: Int64]?
  private var categoryKeys: [RecordID: Int64]?
  private var categoryByKey: [Int64: RecordID] = [:]

  /// Reads dataset `dataset`'s ground truth and detection set `set`: the set's packed copy
  /// when it has one and every image and category id is an integer (on a second read-only
  /// connection while this one reads the ground truth, at once when there are two cores),
  /// else its rows (on two read-only connections at once, each half of the row range).
  ///
  /// - Throws: `StoreError` from the store; ``EvalInputError`` when detections refer to
  ///   images or categories the dataset lacks (the first few ids and the counts).
  /// - Complexity: O(images + annotations + detections of the dataset).
  public init(store: AnnotationStore, dataset: String, set: String) throws {
    self.set = set
    var imageIDs: [RecordID] = []
    var fileNames: [String] = []
    try store.forEachImage(in: dataset) {
      imageIDs.append($0.id)
      fileNames.append($0.fileName)
    }
    var categoryIDs: [RecordID] = []
    var names: [RecordID: String] = [:]
    try store.forEachCategory(in: dataset) {
      categoryIDs.append($0.id)
      names[$0.id] = $0.name
    }
    categoryNames = names
    let imageKeys = Self.keys(imageIDs)
    let categoryKeys = Self.keys(categoryIDs)
    self.imageKeys = imageKeys
    self.categoryKeys = categoryKeys
    images = imageIDs.map { Self.key($0, imageKeys) ?? -1 }
    for (n, key) in images.enumerated() { imageRecords[key] = (imageIDs[n], fileNames[n]) }
    categories = categoryIDs.map { Self.key($0, categoryKeys) ?? -1 }
    for (id, key) in zip(categoryIDs, categories) { categoryByKey[key] = id }
    // The ground truth on this connection and, when the set can have a packed copy (every
    // id used as is), that copy on a second read-only connection at the same time.
    let mayBePacked = imageKeys == nil && categoryKeys == nil
    var annotations: [EvalGroundTruth] = []
    var groundTruthError: (any Error)?
    var packed: [EvalDetection] = []
    var isPacked = false
    var packError: (any Error)?
    let path = store.path
    forEachChunk(
      ChunkPlan(count: mayBePacked ? 2 : 1, chunkSize: 1),
      parallel: ProcessInfo.processInfo.activeProcessorCount >= 2
    ) { part, _ in
      if part == 1 {
        do {
          let reader = try AnnotationStore(path: path, mode: .readOnly)
          isPacked = try reader.forEachPackedDetectionChunk(
            in: dataset, set: set, count: { packed.reserveCapacity($0) },
            { Self.append($0, to: &packed) })
        } catch {
          packError = error
        }
        return
      }
      do {
        try store.forEachGroundTruthBox(in: dataset) { a in
          // An annotation whose image or category the dataset lacks cannot be selected.
          guard let image = Self.key(a.imageID, imageKeys),
            let category = Self.key(a.categoryID, categoryKeys)
          else { return }
          annotations.append(
            EvalGroundTruth(
              id: a.hasZeroID ? 0 : 1, imageID: image, categoryID: category, x: a.x, y: a.y,
              width: a.width, height: a.height, area: a.area, isCrowd: a.isCrowd))
        }
      } catch {
        groundTruthError = error
      }
    }
    if let groundTruthError { throw groundTruthError }
    if let packError { throw packError }
    groundTruth = annotations
    if isPacked {
      detections = packed
      detectionCount = packed.count
      return
    }

    // File order: evaluation groups by image and category and keeps this order inside a
    // group. Read in two halves of the table at once, on two connections, when there are two
    // cores; the halves, one after the other, are the file order.
    let parts = ProcessInfo.processInfo.activeProcessorCount >= 2 ? 2 : 1
    let reads = UnsafeMutablePointer<DetectionRead>.allocate(capacity: parts)
    reads.initialize(repeating: DetectionRead(), count: parts)
    defer {
      reads.deinitialize(count: parts)
      reads.deallocate()
    }
    let shared = SharedReads(base: reads)
    forEachChunk(ChunkPlan(count: parts, chunkSize: 1)) { part, _ in
      shared.base[part].read(
        path: path, dataset: dataset, set: set, part: part, of: parts, imageKeys: imageKeys,
        categoryKeys: categoryKeys)
    }
    var unknownImages = UnknownIDs()
    var unknownCategories = UnknownIDs()
    var results: [EvalDetection] = []
    for part in 0..<parts {
      if let error = reads[part].error { throw error }
    }
    if (0..<parts).contains(where: { reads[$0].hasUnknownIDs }) {
      // Rare: read once more in one pass to name the first unknown ids in file order.
      try store.forEachDetectionBox(in: dataset, set: set) { d in
        if Self.key(d.imageID, imageKeys) == nil { unknownImages.add(d.imageID) }
        if Self.key(d.categoryID, categoryKeys) == nil { unknownCategories.add(d.categoryID) }
      }
    } else {
      results.reserveCapacity((0..<parts).reduce(0) { $0 + reads[$1].detections.count })
      for part in 0..<parts {
        results += reads[part].detections
        reads[part].detections = []
      }
    }
    if unknownImages.count > 0 {
      throw EvalInputError(dataset: dataset, kind: "image", unknown: unknownImages)
    }
    if unknownCategories.count > 0 {
      throw EvalInputError(dataset: dataset, kind: "category", unknown: unknownCategories)
    }
    detections = results
    detectionCount = results.count
  }

  /// Appends `columns` to `detections` as DetEval's detections, in order.
  private static func append(_ columns: DetectionColumns, to detections: inout [EvalDetection]) {
    columns.imageIDs.withUnsafeBufferPointer { image in
      columns.categoryIDs.withUnsafeBufferPointer { category in
        columns.x.withUnsafeBufferPointer { x in
          columns.y.withUnsafeBufferPointer { y in
            columns.width.withUnsafeBufferPointer { width in
              columns.height.withUnsafeBufferPointer { height in
                columns.score.withUnsafeBufferPointer { score in
                  for n in 0..<columns.count {
                    detections.append(
                      EvalDetection(
                        imageID: image[n], categoryID: category[n], x: x[n], y: y[n],
                        width: width[n], height: height[n], score: score[n]))
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Hands the detections over, leaving none here, so that the evaluation holds the only
  /// copy and can free it once it has laid them out.
  public mutating func takeDetections() -> [EvalDetection] {
    defer { detections = [] }
    return detections
  }

  /// One connection's share of the detections (see ``init(store:dataset:)``).
  private struct DetectionRead {
    var detections: [EvalDetection] = []
    var hasUnknownIDs = false
    var error: (any Error)?

    /// Reads share `part` of `parts` of dataset `dataset`'s detections on a connection of its
    /// own (read-only), keeping any error.
    mutating func read(
      path: String, dataset: String, set: String, part: Int, of parts: Int,
      imageKeys: [RecordID: Int64]?, categoryKeys: [RecordID: Int64]?
    ) {
      do {
        let store = try AnnotationStore(path: path, mode: .readOnly)
        var out: [EvalDetection] = []
        var unknown = false
        try store.forEachDetectionBox(
          in: dataset, set: set, part: part, of: parts, count: { out.reserveCapacity($0) },
          { d in
            let image = EvalStoreInput.key(d.imageID, imageKeys)
            let category = EvalStoreInput.key(d.categoryID, categoryKeys)
            if image == nil || category == nil { unknown = true }
            out.append(
              EvalDetection(
                imageID: image ?? -1, categoryID: category ?? -1, x: d.x, y: d.y,
                width: d.width, height: d.height, score: d.score))
          })
        detections = out
        hasUnknownIDs = unknown
      } catch {
        self.error = error
      }
    }
  }

  /// The parts' slots, each written by its own worker only.
  private struct SharedReads: @unchecked Sendable {
    let base: UnsafeMutablePointer<DetectionRead>
  }

  /// `nil` when every id is an integer (used as is), else sorted positions.
  private static func keys(_ ids: [RecordID]) -> [RecordID: Int64]? {
    guard ids.contains(where: { if case .text = $0 { return true } else { return false } })
    else { return nil }
    var keys: [RecordID: Int64] = [:]
    for (position, id) in Set(ids).sorted().enumerated() { keys[id] = Int64(position) }
    return keys
  }

  private static func key(_ id: RecordID, _ keys: [RecordID: Int64]?) -> Int64? {
    if let keys { return keys[id] }
    if case .int(let value) = id { return value }
    return nil
  }

  /// The key of image `id`, `nil` when the dataset has no such image.
  public func imageKey(_ id: RecordID) -> Int64? {
    guard let key = Self.key(id, imageKeys), images.contains(key) else { return nil }
    return key
  }

  /// The key of category `id`, `nil` when the dataset has no such category.
  public func categoryKey(_ id: RecordID) -> Int64? {
    guard let key = Self.key(id, categoryKeys), categoryByKey[key] != nil else { return nil }
    return key
  }

  /// The original id of category key `key`.
  public func categoryRecord(_ key: Int64) -> RecordID? { categoryByKey[key] }

  /// The original id and file name of image key `key`.
  public func imageRecord(_ key: Int64) -> (id: RecordID, fileName: String)? { imageRecords[key] }
}

/// The first few distinct unknown ids and how many detections carry one.
public struct UnknownIDs: Sendable {
  /// None yet.
  public init() {}

  /// A summary made elsewhere (DetEval's error).
  public init(sample: [RecordID], distinctCount: Int, count: Int) {
    self.sample = sample
    self.distinctCount = distinctCount
    self.count = count
  }

  /// The first distinct ids, in the order met, at most `EvalError.sampleLimit`.
  public var sample: [RecordID] = []
  /// Every distinct id met.
  public var distinct = Set<RecordID>()
  /// How many distinct ids.
  public var distinctCount = 0
  /// How many detections carry one.
  public var count = 0

  /// Counts one detection with unknown id `id`.
  public mutating func add(_ id: RecordID) {
    count += 1
    if distinct.insert(id).inserted {
      distinctCount += 1
      if sample.count < EvalError.sampleLimit { sample.append(id) }
    }
  }
}

/// Detections that the dataset's ground truth cannot evaluate.
public struct EvalInputError: Error, CustomStringConvertible {
  /// The dataset evaluated.
  public var dataset: String
  /// `image` or `category`.
  public var kind: String
  /// The unknown ids.
  public var unknown: UnknownIDs

  /// An error for `unknown` ids of `kind` in `dataset`.
  public init(dataset: String, kind: String, unknown: UnknownIDs) {
    self.dataset = dataset
    self.kind = kind
    self.unknown = unknown
  }

  /// `N detection(s) of dataset D refer to K image id(s) its ground truth does not have: ...`
  public var description: String {
    let more = unknown.distinctCount > unknown.sample.count ? ", ..." : ""
    return
      "\(unknown.count) detection(s) of dataset \(dataset) refer to \(unknown.distinctCount) "
      + "\(kind) id(s) its ground truth does not have: "
      + unknown.sample.map(\.description).joined(separator: ", ") + more
  }
}
