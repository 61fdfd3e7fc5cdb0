/// A recorded loss run, as `detkit runs` lists it.
public struct LossRunInfo: Hashable, Sendable {
  public var name: String
  /// The dataset the losses were computed on.
  public var dataset: String
  /// The head's tag (`retinanet`, `rpn`).
  public var head: String
  /// UTC, ISO 8601 (`2026-12-06T06:10:00Z`).
  public var createdAt: String
  /// Images with a recorded loss.
  public var images: Int
  /// Mean total (classification + box) loss over those images; 0 when there are none.
  public var meanLoss: Double
}

/// A named detection set of a dataset.
public struct DetectionSetInfo: Hashable, Sendable {
  public var dataset: String
  public var name: String
  public var detections: Int
}

extension AnnotationStore {
  /// Every recorded loss run, by name.
  /// - Complexity: O(runs + recorded image losses).
  public func lossRuns() throws -> [LossRunInfo] {
    let s = try Statement(
      database: database,
      sql: """
        SELECT r.name, d.name, r.head, r.created_at, count(l.run_id),
          coalesce(avg(l.classification + l.box), 0)
        FROM loss_runs r JOIN datasets d ON d.id = r.dataset_id
        LEFT JOIN image_losses l ON l.run_id = r.id
        GROUP BY r.id ORDER BY r.name
        """)
    var runs: [LossRunInfo] = []
    while try s.step() {
      runs.append(
        LossRunInfo(
          name: s.string(0), dataset: s.string(1), head: s.string(2), createdAt: s.string(3),
          images: s.int(4), meanLoss: s.double(5)))
    }
    return runs
  }

  /// Every detection set of every dataset, by dataset then set name.
  /// - Complexity: O(detections in the store) through the (dataset, set) index.
  public func detectionSets() throws -> [DetectionSetInfo] {
    let s = try Statement(
      database: database,
      sql: """
        SELECT d.name, t.set_name, count(*) FROM detections t
        JOIN datasets d ON d.id = t.dataset_id
        GROUP BY t.dataset_id, t.set_name ORDER BY d.name, t.set_name
        """)
    var sets: [DetectionSetInfo] = []
    while try s.step() {
      sets.append(DetectionSetInfo(dataset: s.string(0), name: s.string(1), detections: s.int(2)))
    }
    return sets
  }
}
