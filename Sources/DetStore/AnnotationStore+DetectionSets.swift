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
  /// - Complexity: O(detections of the dataset) (see ``detectionSets(of:)``).
  public func resolveDetectionSet(_ requested: String?, of name: String) throws -> String {
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
