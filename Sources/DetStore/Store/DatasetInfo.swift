/// A dataset's name, origin and record counts.
public struct DatasetInfo: Hashable, Sendable {
  public var name: String
  /// The importer that made it: `coco`, `voc`, `yolo`, ...
  public var format: String
  /// The path it was imported from, as given.
  public var source: String
  /// UTC, ISO 8601 (`2026-11-29T06:10:00Z`).
  public var createdAt: String
  public var categories: Int
  public var images: Int
  public var annotations: Int
  /// Detections imported from a results file for this dataset.
  public var detections: Int
}

extension AnnotationStore {
  /// Every dataset in the file, by name.
  /// - Complexity: O(datasets + records) (counts use the per-dataset indexes).
  public func datasets() throws -> [DatasetInfo] {
    let sql = """
      SELECT d.name, d.format, d.source, d.created_at,
        (SELECT count(*) FROM categories WHERE dataset_id = d.id),
        (SELECT count(*) FROM images WHERE dataset_id = d.id),
        (SELECT count(*) FROM annotations WHERE dataset_id = d.id),
        (SELECT count(*) FROM detections WHERE dataset_id = d.id)
      FROM datasets d ORDER BY d.name
      """
    let statement = try database.statement(sql)
    var result: [DatasetInfo] = []
    while try statement.step() {
      result.append(
        DatasetInfo(
          name: statement.string(0), format: statement.string(1), source: statement.string(2),
          createdAt: statement.string(3), categories: statement.int(4), images: statement.int(5),
          annotations: statement.int(6), detections: statement.int(7)))
    }
    return result
  }

  /// The dataset called `name`.
  /// - Throws: `.notFound`.
  public func dataset(named name: String) throws -> DatasetInfo {
    _ = try requireDataset(named: name)
    return try datasets().first { $0.name == name }!
  }
}
