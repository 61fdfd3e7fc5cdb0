/// What an export to a format without a crowd flag (Pascal VOC, YOLO) does with crowd
/// boxes (`AnnotationRecord.isCrowd`).
public enum CrowdPolicy: String, CaseIterable, Sendable {
  /// Refuse the export (a `StoreError` `.unsupported` with the count) when the dataset has
  /// any crowd box: nothing is written. The default, so nothing is lost without saying so.
  case refuse
  /// Leave crowd boxes out; the report counts them.
  case drop
  /// Write crowd boxes as ordinary objects marked `difficult` (VOC only), which VOC
  /// evaluation likewise ignores; the report counts them.
  case asDifficult = "as-difficult"
}

/// Something an export could not write, and how many of it (a report line, not a refusal).
public struct ExportLoss: Hashable, Sendable, CustomStringConvertible {
  /// What was left out or changed, e.g. `crowd boxes dropped` or `top-level members (info,
  /// licenses)`.
  public var what: String
  public var count: Int

  public init(_ what: String, count: Int) {
    self.what = what
    self.count = count
  }

  /// `9 crowd boxes dropped`.
  public var description: String { "\(count) \(what)" }
}

extension AnnotationStore {
  /// The number of crowd boxes of dataset `name`.
  /// - Complexity: O(annotations of the dataset).
  public func crowdCount(in name: String) throws -> Int {
    let id = try requireDataset(named: name)
    return Int(
      try database.scalarInt(
        "SELECT count(*) FROM annotations WHERE dataset_id = ? AND iscrowd != 0", [.int(id)]) ?? 0)
  }

  /// Checks `policy` against the crowd boxes of dataset `name` before an export to
  /// `format`, which has no crowd flag.
  /// - Returns: the crowd count (0 when there is none).
  /// - Throws: `.unsupported` when there are crowd boxes and `policy` is `.refuse` (or
  ///   `.asDifficult` for a format without `difficult`).
  func checkCrowd(in name: String, policy: CrowdPolicy, format: String, canMarkDifficult: Bool)
    throws -> Int
  {
    let crowd = try crowdCount(in: name)
    guard crowd > 0 else { return 0 }
    let boxes = "\(crowd) crowd \(crowd == 1 ? "box" : "boxes")"
    let choices =
      canMarkDifficult
      ? "--crowd drop (leave them out) or --crowd as-difficult (write them as difficult)"
      : "--crowd drop (leave them out)"
    switch policy {
    case .drop: return crowd
    case .asDifficult where canMarkDifficult: return crowd
    case .asDifficult:
      throw StoreError(
        .unsupported,
        "\(format) has no difficult flag to mark the \(boxes) of dataset \"\(name)\" with; pass \(choices)"
      )
    case .refuse:
      throw StoreError(
        .unsupported,
        "dataset \"\(name)\" has \(boxes), which \(format) cannot hold; nothing was written. Pass \(choices)"
      )
    }
  }

  /// What an export to a format that keeps only boxes, classes and (VOC) flags leaves out
  /// of dataset `name`, besides crowd boxes: the source's top-level members (COCO `info`,
  /// `licenses`), members kept verbatim on images, categories and annotations,
  /// segmentations, and (when `unusedCategories`) categories no written box uses.
  /// - Parameter droppingCrowd: count categories used only by crowd boxes as unused.
  /// - Complexity: O(records of the dataset).
  func exportLosses(of name: String, unusedCategories: Bool, droppingCrowd: Bool) throws
    -> [ExportLoss]
  {
    let id = try requireDataset(named: name)
    var losses: [ExportLoss] = []
    if let document = try sourceDocument(of: name) {
      let members = COCOExporter.keys(ofObject: document)
        .subtracting(["images", "annotations", "categories"]).sorted()
      if !members.isEmpty {
        losses.append(
          ExportLoss(
            "top-level members (\(members.joined(separator: ", ")))", count: members.count))
      }
    }
    func count(_ sql: String, _ what: String) throws {
      let n = Int(try database.scalarInt(sql, [.int(id)]) ?? 0)
      if n > 0 { losses.append(ExportLoss(what, count: n)) }
    }
    try count(
      "SELECT count(*) FROM images WHERE dataset_id = ? AND extra IS NOT NULL",
      "images' source members (e.g. coco_url, license)")
    try count(
      "SELECT count(*) FROM categories WHERE dataset_id = ? AND extra IS NOT NULL",
      "categories' source members")
    try count(
      "SELECT count(*) FROM annotations WHERE dataset_id = ? AND extra IS NOT NULL",
      "annotations' source members (e.g. ignore, attributes)")
    try count(
      "SELECT count(*) FROM annotations WHERE dataset_id = ? AND segmentation IS NOT NULL",
      "segmentations")
    if unusedCategories {
      try count(
        """
        SELECT count(*) FROM categories c WHERE c.dataset_id = ?1 AND NOT EXISTS (
          SELECT 1 FROM annotations a WHERE a.dataset_id = ?1 AND a.category_id = c.original_id
            \(droppingCrowd ? "AND a.iscrowd = 0" : ""))
        """, "categories without boxes (VOC has no category list)")
    }
    return losses
  }
}
