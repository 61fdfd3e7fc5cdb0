import DetSupport

/// What ``AnnotationStore/merge(_:into:renaming:progress:)`` did.
public struct MergeReport: Hashable, Sendable {
  /// The new dataset's counts.
  public var report: ImportReport
  /// Images left out because an earlier dataset has one of the same file name and size;
  /// their boxes went to that image.
  public var duplicateImages: Int
  /// Records whose id was taken by an earlier dataset's record, by kind (`category`,
  /// `image`, `annotation`), renumbered to unused integers.
  public var renumbered: [String: Int]
  /// The first few renumberings, as `image 3 of b -> 57`.
  public var examples: [String]
}

extension AnnotationStore {
  /// Merges datasets `names` into a new dataset `target` in one transaction (the sources are
  /// not changed).
  ///
  /// - Categories are matched by name, after `renaming` (old name -> new name, applied to
  ///   every source); the first dataset's ids are kept, a later new name keeps its id when
  ///   free and gets the next unused integer otherwise.
  /// - Images with the same file name and pixel size as an earlier one are the same image
  ///   (their boxes join it); other ids that clash are renumbered, and reported.
  /// - Annotations are copied verbatim (crowd, difficult, ignore, unknown members), ids
  ///   renumbered when they clash; a renumbered record loses the kept source spelling of
  ///   the ids it changed (`"id": "2299"`) so the export writes the new ones.
  ///
  /// - Parameter progress: called with the images and annotations of the sources read so
  ///   far, in ``ProgressUnit/records`` (total: their sum over `names`), every 4096 records;
  ///   first with 0 done, last with the total once the new dataset is checked and indexed.
  /// - Throws: `.notFound` for an unknown dataset, `.datasetExists` when `target` exists;
  ///   nothing is written when it throws.
  /// - Complexity: O(records of the sources) time, O(ids) memory.
  public func merge(
    _ names: [String], into target: String, renaming: [String: String] = [:],
    progress: WorkProgressHandler? = nil
  ) throws -> MergeReport {
    precondition(!names.isEmpty, "merge needs at least one dataset")
    var records = 0
    for name in names {
      let source = try requireDataset(named: name)
      records += Int(
        try database.scalarInt("SELECT count(*) FROM images WHERE dataset_id = ?", [.int(source)])
          ?? 0)
      records += try annotationCount(source)
    }
    let read = WorkTally(progress, total: records, unit: .records)
    var unreported = 0
    /// Counts one source record read; reports every 4096.
    func readOne() {
      unreported += 1
      if unreported == 4096 {
        read.add(unreported)
        unreported = 0
      }
    }
    let format = try dataset(named: names[0]).format
    var duplicates = 0
    var renumbered: [String: Int] = [:]
    var examples: [String] = []
    func note(_ kind: String, _ old: RecordID, _ dataset: String, _ new: RecordID) {
      renumbered[kind, default: 0] += 1
      if examples.count < 5 { examples.append("\(kind) \(old) of \(dataset) -> \(new)") }
    }
    /// Ids in use, and the next unused integer.
    struct IDs {
      var used: Set<RecordID> = []
      var largest: Int64 = 0
      mutating func claim(_ id: RecordID) -> RecordID {
        var id = id
        if used.contains(id) { id = .int(largest + 1) }
        used.insert(id)
        if case .int(let value) = id { largest = max(largest, value) }
        return id
      }
    }
    let report = try importDataset(
      named: target, format: format, source: "merge of " + names.joined(separator: ", ")
    ) { writer in
      read.report()
      var categoryIDs = IDs()
      var imageIDs = IDs()
      var annotationIDs = IDs()
      // Datasets in the order given: on a clash, the later record is renumbered.
      var categoryOfName: [String: RecordID] = [:]
      var categoryMap: [String: [RecordID: RecordID]] = [:]
      for name in names {
        try forEachCategory(in: name, inSourceOrder: true) { c in
          let newName = renaming[c.name] ?? c.name
          if let existing = categoryOfName[newName] {
            categoryMap[name, default: [:]][c.id] = existing
            return
          }
          var record = c
          record.id = categoryIDs.claim(c.id)
          record.name = newName
          record.index = nil
          if record.id != c.id {
            note("category", c.id, name, record.id)
            record.extra = COCOExporter.removing(["id"], fromObject: record.extra)
          }
          try writer.add(record, at: SourceLocation(file: name))
          categoryOfName[newName] = record.id
          categoryMap[name, default: [:]][c.id] = record.id
        }
      }
      var imageOfKey: [String: RecordID] = [:]
      var imageMap: [String: [RecordID: RecordID]] = [:]
      for name in names {
        try forEachImage(in: name) { image in
          readOne()
          let key = "\(image.fileName)\u{0}\(image.width)x\(image.height)"
          if let existing = imageOfKey[key] {
            imageMap[name, default: [:]][image.id] = existing
            duplicates += 1
            return
          }
          var record = image
          record.id = imageIDs.claim(image.id)
          if record.id != image.id {
            note("image", image.id, name, record.id)
            record.extra = COCOExporter.removing(["id"], fromObject: record.extra)
          }
          try writer.add(record, at: SourceLocation(file: name))
          imageOfKey[key] = record.id
          imageMap[name, default: [:]][image.id] = record.id
        }
      }
      for name in names {
        try forEachAnnotation(in: name) { a in
          readOne()
          guard let image = imageMap[name]?[a.imageID],
            let category = categoryMap[name]?[a.categoryID]
          else { return }
          var record = a
          record.id = annotationIDs.claim(a.id)
          record.imageID = image
          record.categoryID = category
          var changed: Set<String> = []
          if record.id != a.id {
            note("annotation", a.id, name, record.id)
            changed.insert("id")
          }
          if image != a.imageID { changed.insert("image_id") }
          if category != a.categoryID { changed.insert("category_id") }
          if !changed.isEmpty {
            record.extra = COCOExporter.removing(changed, fromObject: record.extra)
          }
          try writer.add(record, at: SourceLocation(file: name))
        }
      }
    }
    read.finish()
    return MergeReport(
      report: report, duplicateImages: duplicates, renumbered: renumbered, examples: examples)
  }
}

extension COCOExporter {
  /// `text` (a JSON object's text) without the members named in `keys` (compared as
  /// written between the quotes); `nil` when nothing is left or `text` is `nil`. Text that
  /// is not an object comes back unchanged.
  static func removing(_ keys: Set<String>, fromObject text: String?) -> String? {
    guard var text else { return nil }
    let kept = text.withUTF8 { bytes -> [String]? in
      guard let base = bytes.baseAddress else { return nil }
      var scanner = JSONScanner(base: base, count: bytes.count)
      var members: [String] = []
      do {
        try scanner.expect(UInt8(ascii: "{"))
        var first = true
        while let key = try scanner.nextKey(first: &first) {
          let name = String(
            decoding: UnsafeBufferPointer(start: base + key.lowerBound, count: key.count),
            as: UTF8.self)
          let value = try scanner.skipValue()
          guard !keys.contains(name) else { continue }
          members.append(
            String(
              decoding: UnsafeBufferPointer(
                start: base + key.lowerBound - 1, count: value.upperBound - key.lowerBound + 1),
              as: UTF8.self))
        }
      } catch {
        return nil
      }
      return members
    }
    guard let kept else { return text }
    return kept.isEmpty ? nil : "{" + kept.joined(separator: ", ") + "}"
  }
}
