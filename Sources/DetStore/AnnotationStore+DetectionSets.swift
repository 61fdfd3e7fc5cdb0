extension AnnotationStore {
  /// How many detections set `set` of dataset `name` holds (0 for a set it does not have).
  /// - Throws: `.notFound` when there is no such dataset; `.sqlite`.
  /// - Complexity: O(detections of the set) in the (dataset, set, image) index.
  public func detectionCount(in name: String, set: String = "default") throws -> Int {
    let id = try requireDataset(named: name)
    let s = try Statement(
      database: database,
      sql: "SELECT COUNT(*) FROM detections WHERE dataset_id = ? AND set_name = ?")
    s.bind(id, at: 1)
    s.bind(set, at: 2)
    return try s.step() ? s.int(0) : 0
  }
}

extension AnnotationStore {
  /// The detection set of dataset `name` a reader should use: `requested` when given and the
  /// dataset has it; otherwise the dataset's only set, or `default` when it has none.
  ///
  /// - Throws: `.notFound` for an unknown dataset, for a `requested` set the dataset does not
  ///   have, and when nothing was requested and the dataset has several sets (the message
  ///   lists them: `dataset "val" has 2 detection sets (a, b); choose one with --set`).
  /// - Complexity: O(log detections) through the (dataset, set) index when the answer is a
  ///   set; O(detections of the dataset) to list the sets in an error (see
  ///   ``detectionSets(of:)``).
  public func resolveDetectionSet(_ requested: String?, of name: String) throws -> String {
    let id = try requireDataset(named: name)
    // Fast paths: a few index seeks instead of counting every detection of every set.
    if let requested {
      let exists = try database.scalarInt(
        "SELECT 1 FROM detections WHERE dataset_id = ? AND set_name = ? LIMIT 1",
        [.int(id), .text(requested)])
      if exists != nil { return requested }
    } else {
      let first = try database.statement(
        "SELECT set_name FROM detections WHERE dataset_id = ? ORDER BY set_name LIMIT 1")
      first.bind(id, at: 1)
      guard try first.step() else {
        first.reset()
        return "default"
      }
      let only = first.string(0)
      first.reset()
      let next = try database.statement(
        "SELECT 1 FROM detections WHERE dataset_id = ? AND set_name > ? LIMIT 1")
      next.bind(id, at: 1)
      next.bind(only, at: 2)
      let another = try next.step()
      next.reset()
      if !another { return only }
    }
    let sets = try detectionSets(of: name).map(\.name)
    if let requested {
      guard sets.contains(requested) else {
        let known = sets.isEmpty ? "it has none" : "it has " + sets.joined(separator: ", ")
        throw StoreError(
          .notFound, "dataset \"\(name)\" has no detection set \"\(requested)\" (\(known))")
      }
      return requested
    }
    if sets.count > 1 {
      throw StoreError(
        .notFound,
        "dataset \"\(name)\" has \(sets.count) detection sets (\(sets.joined(separator: ", "))); choose one with --set"
      )
    }
    return sets.first ?? "default"
  }
}
