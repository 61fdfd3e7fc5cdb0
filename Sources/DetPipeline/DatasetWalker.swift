import DetGeometry
import DetStore

/// Streams a stored dataset's images with their ground truth resized onto the detector's
/// canvas.
///
/// Categories get contiguous 0-based indexes in the store's category order (the class
/// index of a head's logits); crowd annotations go to ``PipelineImage/crowd``, and so do
/// difficult ones under ``DifficultPolicy/ignore`` (``difficult``).
public struct DatasetWalker {
  /// The open store.
  public let store: AnnotationStore
  /// The dataset.
  public let name: String
  /// The input transform.
  public let resize: InputResize
  /// Category original id -> contiguous index.
  public let categoryIndex: [RecordID: Int]
  /// Contiguous index -> name.
  public let categoryNames: [String]
  /// Contiguous index -> category original id.
  public let categoryIDs: [RecordID]
  /// The images the walk is restricted to (`--subset`), or nil for every image.
  public var subset: ImageSubset?
  /// What happens to boxes marked difficult: kept as ground truth (the default), ignore
  /// regions, or left out. A difficult crowd box stays a crowd box unless dropped.
  public var difficult: DifficultPolicy = .keep

  /// Opens the store at `db` and reads dataset `name`'s categories.
  ///
  /// The store is opened read-only by default (`mode`): a missing file is an error and
  /// nothing is created; `.existing` for a run that also records into the store.
  ///
  /// - Throws: ``PipelineError`` (``PipelineError/Code/badInput``) wrapping the store's
  ///   error (no such store, not a store, unknown dataset).
  public init(
    db: String, name: String, resize: InputResize,
    mode: AnnotationStore.OpenMode = .readOnly
  ) throws(PipelineError) {
    let store: AnnotationStore
    do {
      store = try AnnotationStore(path: db, mode: mode)
    } catch {
      throw PipelineError.wrapping(error, .badInput)
    }
    try self.init(store: store, name: name, resize: resize)
  }

  /// Reads dataset `name`'s categories from an open store.
  ///
  /// - Throws: ``PipelineError`` (``PipelineError/Code/badInput``) wrapping the store's
  ///   error (unknown dataset).
  public init(store: AnnotationStore, name: String, resize: InputResize) throws(PipelineError) {
    self.store = store
    self.name = name
    self.resize = resize
    var index: [RecordID: Int] = [:]
    var names: [String] = []
    var ids: [RecordID] = []
    do {
      try store.forEachCategory(in: name) { c in
        index[c.id] = names.count
        names.append(c.name)
        ids.append(c.id)
      }
    } catch {
      throw PipelineError.wrapping(error, .badInput)
    }
    categoryIndex = index
    categoryNames = names
    categoryIDs = ids
  }

  /// One entry of the label map: a contiguous class index (a head's logit column) and the
  /// category it stands for.
  public struct Label: Sendable, Hashable {
    public var index: Int
    public var categoryID: RecordID
    public var name: String
  }

  /// The label map: contiguous index -> category original id and name, in index order.
  public var labelMap: [Label] {
    categoryIDs.indices.map {
      Label(index: $0, categoryID: categoryIDs[$0], name: categoryNames[$0])
    }
  }

  /// `record` with its annotations, resized per ``resize``.
  ///
  /// - Throws: ``PipelineError``: ``PipelineError/Code/unknownCategory`` for an annotation
  ///   whose category is not the dataset's, ``PipelineError/Code/unresizableImage`` for a
  ///   stored size of zero under a resize policy, ``PipelineError/Code/badInput`` for a
  ///   store error.
  /// - Complexity: O(annotations of the image).
  public func load(_ record: ImageRecord) throws(PipelineError) -> PipelineImage {
    let size = ImageSize(height: record.height, width: record.width)
    let (boxes, labels, kept, crowd) = try groundTruth(of: record)
    guard let policy = resize.policy else {
      return PipelineImage(
        record: record, canvas: size, resized: size, boxes: boxes, labels: labels,
        annotations: kept, crowd: crowd)
    }
    guard size.width > 0, size.height > 0 else {
      throw PipelineError(
        .unresizableImage, at: "image \(record.id) (\(record.fileName))",
        "stored size \(record.width)x\(record.height) cannot be resized")
    }
    return PipelineImage(
      record: record, canvas: policy.canvasSize(of: size), resized: policy.resizedSize(of: size),
      boxes: policy.resize(boxes, from: size), labels: labels, annotations: kept,
      crowd: policy.resize(crowd, from: size))
  }

  /// `record`'s non-crowd boxes (stored pixels, xyxy), their category indexes and
  /// annotations, and its crowd boxes.
  private func groundTruth(of record: ImageRecord) throws(PipelineError) -> (
    BoxArray, [Int], [AnnotationRecord], BoxArray
  ) {
    var boxes = BoxArray()
    var crowd = BoxArray()
    var labels: [Int] = []
    var kept: [AnnotationRecord] = []
    let annotations: [AnnotationRecord]
    do {
      annotations = try store.annotations(in: name, image: record.id)
    } catch {
      throw PipelineError.wrapping(error, .badInput)
    }
    for a in annotations {
      if a.isDifficult, difficult == .drop { continue }
      let box = Box(
        x1: Float(a.x), y1: Float(a.y), x2: Float(a.x + a.width), y2: Float(a.y + a.height))
      if a.isCrowd || (a.isDifficult && difficult == .ignore) {
        crowd.append(box)
      } else {
        guard let label = categoryIndex[a.categoryID] else {
          throw PipelineError(
            .unknownCategory, at: "annotation \(a.id) of image \(record.id)",
            "unknown category \(a.categoryID)")
        }
        boxes.append(box)
        labels.append(label)
        kept.append(a)
      }
    }
    return (boxes, labels, kept, crowd)
  }

  /// `record` as one image of a training batch: resized to `resized`, flipped when
  /// `flipped`, on the batch's `canvas`, its boxes mapped with `framework`'s arithmetic
  /// (``DetectorFramework/map(_:from:to:flipped:)``); ``resize`` is not used.
  ///
  /// - Throws: ``PipelineError``: ``PipelineError/Code/unknownCategory``,
  ///   ``PipelineError/Code/unresizableImage`` for a stored size of zero,
  ///   ``PipelineError/Code/badInput`` for a store error.
  /// - Complexity: O(annotations of the image).
  public func load(
    _ record: ImageRecord, resizedTo resized: ImageSize, flipped: Bool, canvas: ImageSize,
    framework: DetectorFramework
  ) throws(PipelineError) -> PipelineImage {
    let size = ImageSize(height: record.height, width: record.width)
    guard size.width > 0, size.height > 0 else {
      throw PipelineError(
        .unresizableImage, at: "image \(record.id) (\(record.fileName))",
        "stored size \(record.width)x\(record.height) cannot be resized")
    }
    let (boxes, labels, kept, crowd) = try groundTruth(of: record)
    return PipelineImage(
      record: record, canvas: canvas, resized: resized,
      boxes: framework.map(boxes, from: size, to: resized, flipped: flipped), labels: labels,
      annotations: kept, crowd: framework.map(crowd, from: size, to: resized, flipped: flipped))
  }

  /// The stored image of original id `id`.
  ///
  /// - Throws: ``PipelineError`` (``PipelineError/Code/badInput``) for an unknown image or
  ///   one outside ``subset``.
  public func record(id: RecordID) throws(PipelineError) -> ImageRecord {
    if let subset, !subset.contains(id) {
      throw PipelineError(
        .badInput, at: subset.file, "image \(id) is not in the subset of dataset \(name)")
    }
    do {
      return try store.image(in: name, id: id)
    } catch {
      throw PipelineError.wrapping(error, .badInput)
    }
  }

  /// The image of original id `id`, loaded.
  ///
  /// - Throws: ``PipelineError`` (``PipelineError/Code/badInput``) for an unknown image or
  ///   one outside ``subset``, or what ``load(_:)`` throws.
  public func image(id: RecordID) throws(PipelineError) -> PipelineImage {
    try load(try record(id: id))
  }

  /// Calls `body` with every image of the dataset (of ``subset`` when set), in import
  /// order; one image in memory.
  ///
  /// - Throws: what ``load(_:)`` or `body` throws (a ``PipelineError``), or a store error
  ///   wrapped as ``PipelineError/Code/badInput``.
  public func forEachImage(_ body: (PipelineImage) throws(PipelineError) -> Void)
    throws(PipelineError)
  {
    do {
      try store.forEachImage(in: name) { record in
        if let subset, !subset.contains(record.id) { return }
        try body(try load(record))
      }
    } catch {
      throw PipelineError.wrapping(error, .badInput)
    }
  }
}
