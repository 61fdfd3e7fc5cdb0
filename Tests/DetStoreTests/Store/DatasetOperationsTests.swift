import DetSupport
import Foundation
import Testing

@testable import DetStore

/// A seeded random COCO dataset: 30-80 images named `seqK_FRAME.jpg` (6 sequences), 4
/// categories of very different frequency, 0-5 boxes an image, some crowd, some difficult,
/// an unknown member on some boxes.
private func randomDataset(seed: UInt64) throws -> (TemporaryStore, imageCount: Int) {
  var rng = SplitMix64(state: seed)
  func uniform(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
  let imageCount = 30 + uniform(51)
  var images: [String] = []
  var annotations: [String] = []
  var annotationID = 1
  for i in 1...imageCount {
    images.append(
      #"{"id": \#(i), "file_name": "seq\#(i % 6)_\#(i).jpg", "width": 200, "height": 100}"#)
    for _ in 0..<uniform(6) {
      // Category 1 common, 4 rare.
      let r = uniform(100)
      let category = r < 60 ? 1 : r < 85 ? 2 : r < 97 ? 3 : 4
      let (x, y, w, h) = (uniform(100), uniform(50), 1 + uniform(90), 1 + uniform(40))
      let crowd = uniform(10) == 0 ? 1 : 0
      let extra = uniform(4) == 0 ? #", "attributes": {"n": \#(annotationID)}"# : ""
      let difficult = uniform(8) == 0 ? #", "difficult": 1"# : ""
      annotations.append(
        #"{"id": \#(annotationID), "image_id": \#(i), "category_id": \#(category), "bbox": [\#(x), \#(y), \#(w), \#(h)], "iscrowd": \#(crowd)\#(difficult)\#(extra)}"#
      )
      annotationID += 1
    }
  }
  let text = #"""
    {"images": [\#(images.joined(separator: ",\n"))],
     "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "person"},
                    {"id": 3, "name": "bus"}, {"id": 4, "name": "tram"}],
     "annotations": [\#(annotations.joined(separator: ",\n"))]}
    """#
  let temp = try TemporaryStore()
  let url = temp.directory.appendingPathComponent("random.json")
  try Data(text.utf8).write(to: url)
  _ = try COCOImporter(path: url.path).importDataset(into: temp.opened, named: "d")
  return (temp, imageCount)
}

private func records(_ store: AnnotationStore, _ name: String) throws -> (
  images: [ImageRecord], annotations: [AnnotationRecord]
) {
  var images: [ImageRecord] = []
  var annotations: [AnnotationRecord] = []
  try store.forEachImage(in: name) { images.append($0) }
  try store.forEachAnnotation(in: name) { annotations.append($0) }
  return (images, annotations)
}

@Test(arguments: 0..<24 as Range<UInt64>)
func splitLosesAndDuplicatesNothingAndStratifies(seed: UInt64) throws {
  let (temp, imageCount) = try randomDataset(seed: seed)
  let store = temp.opened
  let source = try records(store, "d")
  let parts: [(name: String, fraction: Double)] = [("train", 0.7), ("val", 0.2), ("test", 0.1)]
  let report = try store.split("d", into: parts, seed: seed)
  #expect(report.parts.map(\.dataset) == ["d-train", "d-val", "d-test"])

  var images: [ImageRecord] = []
  var annotations: [AnnotationRecord] = []
  var perPart: [[String: Int]] = []
  var names: [RecordID: String] = [:]
  try store.forEachCategory(in: "d") { names[$0.id] = $0.name }
  for part in report.parts {
    let r = try records(store, part.dataset)
    #expect(r.images.count == part.images && r.annotations.count == part.annotations)
    images += r.images
    annotations += r.annotations
    var counts: [String: Int] = [:]
    for a in r.annotations { counts[names[a.categoryID]!, default: 0] += 1 }
    perPart.append(counts)
    // A part's boxes belong to its images.
    let ids = Set(r.images.map(\.id))
    #expect(r.annotations.allSatisfy { ids.contains($0.imageID) })
  }
  // No image or box lost or duplicated, each copied verbatim.
  #expect(images.count == imageCount)
  #expect(Set(images) == Set(source.images))
  #expect(annotations.count == source.annotations.count)
  #expect(Set(annotations) == Set(source.annotations))

  // Stratification: every category's count in every part is within 10 % of its boxes, or
  // within one image's boxes of that category, of the part's share.
  var totals: [String: Int] = [:]
  var perImageMax: [String: Int] = [:]
  var perImage: [RecordID: [String: Int]] = [:]
  for a in source.annotations {
    let name = names[a.categoryID]!
    totals[name, default: 0] += 1
    perImage[a.imageID, default: [:]][name, default: 0] += 1
  }
  for counts in perImage.values {
    for (name, n) in counts { perImageMax[name] = max(perImageMax[name] ?? 0, n) }
  }
  for (name, total) in totals {
    for (k, part) in parts.enumerated() {
      let deviation = abs(Double(perPart[k][name] ?? 0) - part.fraction * Double(total))
      let bound = max(0.1 * Double(total), Double(perImageMax[name]!))
      #expect(deviation <= bound, "seed \(seed) \(name) in \(part.name): \(perPart[k]) of \(total)")
    }
  }

  // The same seed reproduces the split.
  let again = try store.split("d", into: [("a", 0.7), ("b", 0.2), ("c", 0.1)], seed: seed)
  for (k, name) in ["d-a", "d-b", "d-c"].enumerated() {
    #expect(try records(store, name).images == records(store, report.parts[k].dataset).images)
  }
  #expect(again.largestDeviation == report.largestDeviation)
  #expect(throws: StoreError.self) { try store.split("d", into: parts, seed: seed) }
}

@Test func splitKeepsGroupsTogether() throws {
  let (temp, _) = try randomDataset(seed: 7)
  let report = try temp.opened.split(
    "d", into: [("a", 0.5), ("b", 0.5)], seed: 3, groupPattern: "^(seq[0-9])_")
  #expect(report.groups == 6)
  var partOfSequence: [String: String] = [:]
  for part in report.parts {
    try temp.opened.forEachImage(in: part.dataset) { image in
      let sequence = String(image.fileName.prefix(4))
      #expect(partOfSequence[sequence, default: part.dataset] == part.dataset)
      partOfSequence[sequence] = part.dataset
    }
  }
  #expect(partOfSequence.count == 6)
  #expect(throws: StoreError.self) {
    try temp.opened.split("d", into: [("x", 1)], seed: 0, groupPattern: "(")
  }
}

@Test(arguments: 0..<6 as Range<UInt64>)
func filterKeepsExactlyWhatPasses(seed: UInt64) throws {
  let (temp, _) = try randomDataset(seed: seed)
  let store = temp.opened
  let source = try records(store, "d")
  var names: [RecordID: String] = [:]
  try store.forEachCategory(in: "d") { names[$0.id] = $0.name }
  let listed = Set(source.images.prefix(20).map(\.fileName))
  let count = try store.filter(
    "d", into: "f",
    DatasetFilter(
      categories: ["car", "bus"], minimumSide: 10, fileNames: listed, crowd: .drop,
      keepsEmptyImages: false))
  let kept = try records(store, "f")
  let expected = source.annotations.filter { a in
    ["car", "bus"].contains(names[a.categoryID]!) && min(a.width, a.height) >= 10 && !a.isCrowd
      && listed.contains(source.images.first { $0.id == a.imageID }!.fileName)
  }
  #expect(kept.annotations == expected)
  #expect(Set(kept.images.map(\.id)) == Set(expected.map(\.imageID)))
  #expect(count.images == kept.images.count && count.annotations == expected.count)
  // Categories all kept; the source untouched.
  var categories: [String] = []
  try store.forEachCategory(in: "f") { categories.append($0.name) }
  #expect(categories.count == 4)
  #expect(try records(store, "d").annotations == source.annotations)
  #expect(throws: StoreError.self) {
    try store.filter("d", into: "g", DatasetFilter(categories: ["boat"]))
  }
}

@Test func remapMergesAndRenamesInPlace() throws {
  let (temp, _) = try randomDataset(seed: 11)
  let store = temp.opened
  var names: [RecordID: String] = [:]
  try store.forEachCategory(in: "d") { names[$0.id] = $0.name }
  let before = try records(store, "d").annotations
  var counts: [String: Int] = [:]
  for a in before { counts[names[a.categoryID]!, default: 0] += 1 }

  #expect(throws: StoreError.self) {
    try store.renameCategory(in: "d", from: "bus", to: "car")
  }
  try store.renameCategory(in: "d", from: "person", to: "pedestrian")
  let log = ProgressLog()
  let moved = try store.remapCategories(
    in: "d", ["bus": "car", "tram": "car"], progress: log.handler)
  #expect(moved == (counts["bus"] ?? 0) + (counts["tram"] ?? 0))
  // Two merges, each reading every annotation of the dataset.
  expectProgress(log.take(), total: 2 * before.count, minimumReports: 3)
  _ = try store.remapCategories(in: "d", ["pedestrian": "person"], progress: log.handler)
  #expect(log.take().isEmpty, "a rename reads no annotations")
  try store.renameCategory(in: "d", from: "person", to: "pedestrian")
  var after: [RecordID: String] = [:]
  try store.forEachCategory(in: "d") { after[$0.id] = $0.name }
  #expect(Set(after.values) == ["car", "pedestrian"])
  let annotations = try records(store, "d").annotations
  #expect(annotations.count == before.count)
  #expect(
    annotations.filter { after[$0.categoryID] == "car" }.count == (counts["car"] ?? 0) + moved)
  #expect(throws: StoreError.self) { try store.remapCategories(in: "d", ["boat": "car"]) }
}

/// Merging the parts of a split gives the dataset back (no clash: every record keeps its
/// id); merging a dataset with a copy of itself de-duplicates every image and renumbers
/// every box of the copy; renaming merges categories.
@Test(arguments: 0..<6 as Range<UInt64>)
func mergeUndoesASplitAndResolvesClashes(seed: UInt64) throws {
  let (temp, _) = try randomDataset(seed: seed)
  let store = temp.opened
  let source = try records(store, "d")
  let split = try store.split("d", into: [("a", 0.6), ("b", 0.4)], seed: seed)
  let merged = try store.merge(split.parts.map(\.dataset), into: "m")
  #expect(merged.duplicateImages == 0 && merged.renumbered.isEmpty)
  let back = try records(store, "m")
  #expect(Set(back.images) == Set(source.images))
  #expect(Set(back.annotations) == Set(source.annotations))
  #expect(back.annotations.count == source.annotations.count)

  _ = try store.filter("d", into: "copy", DatasetFilter())
  let twice = try store.merge(["d", "copy"], into: "t", renaming: ["bus": "car", "tram": "car"])
  #expect(twice.duplicateImages == source.images.count)
  #expect(twice.renumbered == ["annotation": source.annotations.count])
  let t = try records(store, "t")
  #expect(t.images.count == source.images.count)
  #expect(t.annotations.count == 2 * source.annotations.count)
  #expect(Set(t.annotations.map(\.id)).count == t.annotations.count)
  var names: [String] = []
  try store.forEachCategory(in: "t") { names.append($0.name) }
  #expect(Set(names) == ["car", "person"])
  #expect(throws: StoreError.self) { try store.merge(["d"], into: "t") }
}

@Test func removingMembersKeepsTheRestVerbatim() {
  #expect(
    COCOExporter.removing(["id"], fromObject: #"{"id": "2299", "coco_url": "x", "n": [1, 2]}"#)
      == #"{"coco_url": "x", "n": [1, 2]}"#)
  #expect(COCOExporter.removing(["id"], fromObject: #"{"id": "7"}"#) == nil)
  #expect(COCOExporter.removing(["id"], fromObject: nil) == nil)
}

/// Every row of the dataset tables with its rowid, as SQL text (creation times and sources,
/// which name the temporary file, left out).
private func tableRows(_ store: AnnotationStore) throws -> [String] {
  let tables = [
    "datasets": "id, name, format, document",
    "categories": "id, dataset_id, original_id, idx, name, supercategory, extra",
    "images": "id, dataset_id, original_id, file_name, width, height, extra",
    "annotations": """
    id, dataset_id, ordinal, original_id, image_id, category_id, x, y, w, h, area, iscrowd,
    difficult, truncated, occluded, pose, segmentation, extra, omitted
    """,
  ]
  var rows: [String] = []
  for (table, columns) in tables.sorted(by: { $0.key < $1.key }) {
    let quoted = columns.split(separator: ",").map {
      "quote(\($0.trimmingCharacters(in: .whitespacesAndNewlines)))"
    }
    let s = try Statement(
      database: store.database,
      sql: "SELECT \(quoted.joined(separator: " || '|' || ")) FROM \(table) ORDER BY id")
    while try s.step() { rows.append(table + ": " + s.string(0)) }
  }
  return rows
}

/// The ``WorkProgress`` reports of one call, from any thread.
private final class ProgressLog: @unchecked Sendable {
  private let lock = NSLock()
  private var reports: [WorkProgress] = []

  var handler: WorkProgressHandler {
    { progress in self.lock.withLock { self.reports.append(progress) } }
  }

  /// The reports so far; empties the log.
  func take() -> [WorkProgress] {
    lock.withLock {
      defer { reports = [] }
      return reports
    }
  }
}

/// Checks reports of records read: first 0 done, `done` never falling, every total `total`,
/// the last complete, and at least `minimumReports` of them.
private func expectProgress(
  _ reports: [WorkProgress], total: Int, minimumReports: Int,
  sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
  #expect(reports.first?.done == 0, sourceLocation: sourceLocation)
  #expect(reports.last?.done == total, "\(reports.last as Any)", sourceLocation: sourceLocation)
  #expect(
    reports.allSatisfy { $0.total == total && $0.unit == .records }, sourceLocation: sourceLocation)
  #expect(
    zip(reports, reports.dropFirst()).allSatisfy { $0.done <= $1.done },
    sourceLocation: sourceLocation)
  #expect(
    reports.count >= minimumReports, "\(reports.count) reports", sourceLocation: sourceLocation)
}

@Test(arguments: 0..<6 as Range<UInt64>)
func copyingInSmallChunksWritesTheSameRowsAndReportsProgress(seed: UInt64) throws {
  let (whole, _) = try randomDataset(seed: seed)
  let (chunked, imageCount) = try randomDataset(seed: seed)
  // Chunks of 3 image rowids and 5 annotations: every copy crosses many chunk boundaries.
  chunked.opened.copyChunks = CopyChunks(images: 3, annotations: 5)
  let source = try records(chunked.opened, "d")
  let filter = DatasetFilter(
    categories: ["car", "bus"], minimumSide: 5, crowd: .drop, keepsEmptyImages: false)
  let log = ProgressLog()
  for (temp, progress) in [(whole, nil), (chunked, log.handler)] {
    let store = temp.opened
    let split = try store.split(
      "d", into: [("a", 0.5), ("b", 0.3), ("c", 0.2)], seed: seed, progress: progress)
    if progress != nil {
      // Every image and every annotation is read once, by the part that takes it.
      expectProgress(
        log.take(), total: imageCount + source.annotations.count,
        minimumReports: imageCount / 3 + source.annotations.count / 5)
    }
    let kept = try store.filter("d", into: "f", filter, progress: progress)
    if progress != nil {
      // The kept images, then every annotation of those images.
      let keptIDs = Set(try records(store, "f").images.map(\.id))
      #expect(keptIDs.count == kept.images)
      let read = source.annotations.filter { keptIDs.contains($0.imageID) }.count
      expectProgress(log.take(), total: kept.images + read, minimumReports: read / 5)
    }
    _ = try store.merge(split.parts.map(\.dataset) + ["f"], into: "m", progress: progress)
    if progress != nil {
      expectProgress(
        log.take(), total: imageCount + source.annotations.count + kept.images + kept.annotations,
        minimumReports: 2)
    }
  }
  // The same rows with the same rowids as one statement per table writes.
  let expected = try tableRows(whole.opened)
  #expect(expected.count > source.annotations.count * 3)
  #expect(try tableRows(chunked.opened) == expected)
}
