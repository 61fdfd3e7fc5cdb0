import DetSupport

/// Which area sorts annotations into COCO's size classes.
public enum AreaSource: String, Hashable, Sendable, CaseIterable {
  /// The stored `area` (COCO's: the mask's area, as COCO evaluation uses it).
  case stored
  /// The box's width x height (for datasets whose stored area is something else: VisDrone's
  /// COCO conversion stores the image size).
  case box
}

/// Summary numbers of one dataset (`detkit stats`).
public struct DatasetStatistics: Hashable, Sendable {
  /// Annotations of one category.
  public struct CategoryCount: Hashable, Sendable {
    public var id: RecordID
    public var name: String
    public var annotations: Int
    /// Images with at least one annotation of this category.
    public var images: Int
  }

  /// How many images have one size.
  public struct SizeCount: Hashable, Sendable {
    public var width: Int
    public var height: Int
    public var images: Int
  }

  public var images: Int
  public var annotations: Int
  public var categories: Int
  /// Annotations with `iscrowd` set.
  public var crowd: Int
  /// Per category, in contiguous-index order (unused categories included with 0).
  public var perCategory: [CategoryCount]
  /// The area the size classes were counted over.
  public var areaSource: AreaSource
  /// COCO area ranges over ``areaSource`` (the `area` field by default, as COCO evaluation
  /// uses it): small `area < 32²`, medium `32² ≤ area < 96²`, large `area ≥ 96²`.
  public var small: Int
  public var medium: Int
  public var large: Int
  /// Annotations per image: min, max and mean over all images (images without boxes count
  /// as 0); all 0 for a dataset without images.
  public var boxesPerImageMin: Int
  public var boxesPerImageMax: Int
  public var boxesPerImageMean: Double
  /// Images without any annotation.
  public var imagesWithoutAnnotations: Int
  /// Distinct image sizes, most frequent first (ties by width, then height).
  public var imageSizes: [SizeCount]
  /// Annotations whose stored area exceeds their box's width x height by more than 1 %
  /// (and 1 px²): no mask inside its box is that large, so the stored area is not the
  /// object's (VisDrone's is the image size) and the stored size classes mislead.
  public var areasAboveBox: Int
}

extension AnnotationStore {
  /// Computes `DatasetStatistics` for dataset `name` in one streaming pass over its
  /// annotations (in image order, through the `(dataset, image)` index) plus counts that the
  /// indexes answer alone.
  ///
  /// Per-category image counts come from the image order: an image's annotations are
  /// contiguous, so a category counts an image when it first appears in that image's run.
  /// Annotations whose category is not in the dataset count in the totals but in no category.
  ///
  /// - Parameters:
  ///   - area: the area the size classes count (``DatasetStatistics/areasAboveBox`` is
  ///     counted either way).
  ///   - progress: called every 65,536 annotations (and at the end) with the annotations
  ///     read out of the dataset's total, unit `.records`.
  /// - Throws: `.notFound`, `.sqlite`.
  /// - Complexity: O(annotations) time in one pass, O(categories + distinct image sizes)
  ///   memory, whatever the dataset's size.
  public func statistics(
    of name: String, area source: AreaSource = .stored, progress: WorkProgressHandler? = nil
  ) throws -> DatasetStatistics {
    let id = try requireDataset(named: name)
    let bind: [SQLValue] = [.int(id)]
    func count(_ sql: String) throws -> Int { Int(try database.scalarInt(sql, bind) ?? 0) }
    let images = try count("SELECT count(*) FROM images WHERE dataset_id = ?")
    let annotations = try count("SELECT count(*) FROM annotations WHERE dataset_id = ?")

    var perCategory: [DatasetStatistics.CategoryCount] = []
    var categoryIndex: [RecordID: Int] = [:]
    let c = try database.statement(
      "SELECT original_id, name FROM categories WHERE dataset_id = ? ORDER BY idx")
    c.bind(id, at: 1)
    while try c.step() {
      let categoryID = c.recordID(0)
      categoryIndex[categoryID] = perCategory.count
      perCategory.append(.init(id: categoryID, name: c.string(1), annotations: 0, images: 0))
    }

    // One pass in image order: per image its box count, per category the last image run in
    // which it was counted.
    var crowd = 0
    var areasAboveBox = 0
    var (small, medium, large) = (0, 0, 0)
    var (runs, minimum, maximum) = (0, Int.max, 0)
    var lastRun = [Int](repeating: -1, count: perCategory.count)
    var currentImage: RecordID? = nil
    var inRun = 0
    var done = 0
    let a = try database.statement(
      """
      SELECT image_id, category_id, iscrowd, area, w, h FROM annotations
      WHERE dataset_id = ? ORDER BY image_id
      """)
    a.bind(id, at: 1)
    defer { a.reset() }
    func closeRun() {
      guard inRun > 0 else { return }
      minimum = min(minimum, inRun)
      maximum = max(maximum, inRun)
    }
    while try a.step() {
      let image = a.recordID(0)
      if image != currentImage {
        closeRun()
        currentImage = image
        runs += 1
        inRun = 0
      }
      inRun += 1
      if let k = categoryIndex[a.recordID(1)] {
        perCategory[k].annotations += 1
        if lastRun[k] != runs {
          lastRun[k] = runs
          perCategory[k].images += 1
        }
      }
      if a.bool(2) { crowd += 1 }
      let stored = a.double(3)
      let box = a.double(4) * a.double(5)
      if stored > box * 1.01 + 1 { areasAboveBox += 1 }
      let area = source == .stored ? stored : box
      if area < 1024 {
        small += 1
      } else if area < 9216 {
        medium += 1
      } else {
        large += 1
      }
      done += 1
      if done & 0xFFFF == 0 {
        progress?(WorkProgress(done: done, total: annotations, unit: .records))
      }
    }
    closeRun()
    progress?(WorkProgress(done: done, total: annotations, unit: .records))
    let empty = max(0, images - runs)
    if empty > 0 { minimum = 0 }
    if images == 0 { (minimum, maximum) = (0, 0) }
    if minimum == .max { minimum = 0 }
    let mean = images == 0 ? 0 : Double(annotations) / Double(images)

    var sizes: [DatasetStatistics.SizeCount] = []
    let s = try database.statement(
      """
      SELECT width, height, count(*) AS n FROM images WHERE dataset_id = ?
      GROUP BY width, height ORDER BY n DESC, width, height
      """)
    s.bind(id, at: 1)
    while try s.step() { sizes.append(.init(width: s.int(0), height: s.int(1), images: s.int(2))) }

    return DatasetStatistics(
      images: images, annotations: annotations, categories: perCategory.count, crowd: crowd,
      perCategory: perCategory, areaSource: source, small: small, medium: medium, large: large,
      boxesPerImageMin: minimum, boxesPerImageMax: maximum, boxesPerImageMean: mean,
      imagesWithoutAnnotations: empty, imageSizes: sizes, areasAboveBox: areasAboveBox)
  }
}
