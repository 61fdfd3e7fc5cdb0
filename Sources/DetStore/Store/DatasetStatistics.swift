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
  /// COCO area ranges over the `area` field (as COCO evaluation uses it): small
  /// `area < 32²`, medium `32² ≤ area < 96²`, large `area ≥ 96²`.
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
}

extension AnnotationStore {
  /// Computes `DatasetStatistics` for dataset `name` in SQL.
  /// - Throws: `.notFound`, `.sqlite`.
  /// - Complexity: O(records of the dataset).
  public func statistics(of name: String) throws -> DatasetStatistics {
    let id = try requireDataset(named: name)
    let bind: [SQLValue] = [.int(id)]
    func count(_ sql: String) throws -> Int { Int(try database.scalarInt(sql, bind) ?? 0) }
    let images = try count("SELECT count(*) FROM images WHERE dataset_id = ?")
    let annotations = try count("SELECT count(*) FROM annotations WHERE dataset_id = ?")
    let categories = try count("SELECT count(*) FROM categories WHERE dataset_id = ?")
    let crowd = try count("SELECT count(*) FROM annotations WHERE dataset_id = ? AND iscrowd != 0")
    let small = try count("SELECT count(*) FROM annotations WHERE dataset_id = ? AND area < 1024")
    let medium = try count(
      "SELECT count(*) FROM annotations WHERE dataset_id = ? AND area >= 1024 AND area < 9216")
    let large = try count("SELECT count(*) FROM annotations WHERE dataset_id = ? AND area >= 9216")

    var perCategory: [DatasetStatistics.CategoryCount] = []
    let c = try database.statement(
      """
      SELECT c.original_id, c.name, count(a.id), count(DISTINCT a.image_id)
      FROM categories c LEFT JOIN annotations a
        ON a.dataset_id = c.dataset_id AND a.category_id = c.original_id
      WHERE c.dataset_id = ? GROUP BY c.id ORDER BY c.idx
      """)
    c.bind(id, at: 1)
    while try c.step() {
      perCategory.append(
        .init(id: c.recordID(0), name: c.string(1), annotations: c.int(2), images: c.int(3)))
    }

    let p = try database.statement(
      """
      SELECT coalesce(min(n), 0), coalesce(max(n), 0), coalesce(avg(n), 0), coalesce(sum(n = 0), 0)
      FROM (SELECT (SELECT count(*) FROM annotations a
                    WHERE a.dataset_id = i.dataset_id AND a.image_id = i.original_id) AS n
            FROM images i WHERE i.dataset_id = ?)
      """)
    p.bind(id, at: 1)
    try p.step()
    let (minimum, maximum, mean, empty) = (p.int(0), p.int(1), p.double(2), p.int(3))
    p.reset()

    var sizes: [DatasetStatistics.SizeCount] = []
    let s = try database.statement(
      """
      SELECT width, height, count(*) AS n FROM images WHERE dataset_id = ?
      GROUP BY width, height ORDER BY n DESC, width, height
      """)
    s.bind(id, at: 1)
    while try s.step() { sizes.append(.init(width: s.int(0), height: s.int(1), images: s.int(2))) }

    return DatasetStatistics(
      images: images, annotations: annotations, categories: categories, crowd: crowd,
      perCategory: perCategory, small: small, medium: medium, large: large,
      boxesPerImageMin: minimum, boxesPerImageMax: maximum, boxesPerImageMean: mean,
      imagesWithoutAnnotations: empty, imageSizes: sizes)
  }
}
