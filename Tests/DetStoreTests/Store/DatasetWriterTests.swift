import Testing

@testable import DetStore

private let here = SourceLocation(file: "test")

private func box(
  _ id: Int64, image: Int64 = 1, category: Int64 = 1, _ x: Double, _ y: Double, _ w: Double,
  _ h: Double
) -> AnnotationRecord {
  AnnotationRecord(
    id: .int(id), imageID: .int(image), categoryID: .int(category), x: x, y: y, width: w, height: h)
}

@Test func aSmallDatasetRoundTripsThroughTheStore() throws {
  let temp = try TemporaryStore()
  let store = temp.opened
  let report = try store.importDataset(named: "toy", format: "test", source: "mem") { w in
    try w.add(CategoryRecord(id: .int(7), name: "cat", supercategory: "animal"), at: here)
    try w.add(CategoryRecord(id: .int(3), name: "dog"), at: here)
    try w.add(ImageRecord(id: .int(1), fileName: "a.jpg", width: 100, height: 50), at: here)
    try w.add(box(10, category: 7, 1, 2, 30, 40), at: here)
    var crowd = box(11, category: 3, 0, 0, 10, 10)
    crowd.isCrowd = true
    crowd.segmentation = #"{"counts":[1,2],"size":[50,100]}"#
    try w.add(crowd, at: here)
  }
  #expect(report.categories == 2 && report.images == 1 && report.annotations == 2)
  var categories: [CategoryRecord] = []
  try store.forEachCategory(in: "toy") { categories.append($0) }
  // Contiguous index = rank of the original id: 3 -> 0, 7 -> 1.
  #expect(categories.map(\.id) == [.int(3), .int(7)])
  #expect(categories.map(\.index) == [0, 1])
  let stored = try store.annotations(in: "toy", image: .int(1))
  #expect(stored.count == 2)
  #expect(stored[0].area == 1200)
  #expect(stored[1].isCrowd && stored[1].segmentation == #"{"counts":[1,2],"size":[50,100]}"#)
}

/// One invalid annotation per rule, each beside a valid one, on a 100 x 50 image.
private let invalidCases: [(SkipReason, AnnotationRecord)] = [
  (.nonFinite, box(2, .nan, 0, 10, 10)),
  (.nonFinite, box(2, 0, 0, .infinity, 10)),
  (.nonPositiveSize, box(2, 0, 0, 0, 10)),
  (.nonPositiveSize, box(2, 0, 0, 10, -1)),
  (.duplicateID, box(1, 0, 0, 5, 5)),
  (.unknownCategory, box(2, category: 99, 0, 0, 5, 5)),
  (.unknownImage, box(2, image: 99, 0, 0, 5, 5)),
  (.outsideImage, box(2, 95, 0, 6.5, 5)),  // x2 = 101.5 > 100 + 1
  (.outsideImage, box(2, -1.5, 0, 5, 5)),
  (.outsideImage, box(2, 0, 40, 5, 11.01)),
]

/// Adds the valid record and `bad`, with categories and images first (`referencesFirst`)
/// or last, so that both the immediate checks and the deferred SQL checks run.
private func importWith(
  _ bad: AnnotationRecord, policy: ValidationPolicy, clip: Bool = false, referencesFirst: Bool,
  store: AnnotationStore
) throws -> ImportReport {
  try store.importDataset(
    named: "d", format: "test", source: "mem",
    options: ImportOptions(replace: true, policy: policy, clip: clip)
  ) { w in
    func references() throws {
      try w.add(CategoryRecord(id: .int(1), name: "c"), at: here)
      try w.add(ImageRecord(id: .int(1), fileName: "a.jpg", width: 100, height: 50), at: here)
    }
    if referencesFirst { try references() }
    try w.add(box(1, 10, 10, 20, 20), at: here)
    try w.add(bad, at: SourceLocation(file: "test", path: "bad"))
    if !referencesFirst { try references() }
  }
}

@Test(arguments: [true, false])
func everyRuleFailsStrictImportsWithItsReason(referencesFirst: Bool) throws {
  let temp = try TemporaryStore()
  for (reason, bad) in invalidCases {
    do {
      _ = try importWith(bad, policy: .strict, referencesFirst: referencesFirst, store: temp.opened)
      Issue.record("\(reason) was accepted: \(bad)")
    } catch let error as StoreError {
      #expect(error.code == .invalidRecord)
      #expect(error.reason == reason, "\(bad)")
      #expect(error.recordID == bad.id)
      // Immediate checks use the importer's location; deferred ones name the source and
      // the annotation's position in input order (the bad record is the 2nd annotation).
      #expect(error.location?.path == "bad" || error.location?.path == "annotation #2")
    }
    #expect(try temp.opened.datasets().isEmpty, "a failed import must leave nothing")
  }
}

@Test(arguments: [true, false])
func everyRuleIsCountedUnderSkip(referencesFirst: Bool) throws {
  let temp = try TemporaryStore()
  for (reason, bad) in invalidCases {
    let report = try importWith(
      bad, policy: .skip, referencesFirst: referencesFirst, store: temp.opened)
    #expect(report.skipped == [reason: 1], "\(bad)")
    #expect(report.annotations == 1)
    var ids: [RecordID] = []
    try temp.opened.forEachAnnotation(in: "d") { ids.append($0.id) }
    #expect(ids == [.int(1)])
  }
}

@Test func boxesWithinTheToleranceAreKept() throws {
  let temp = try TemporaryStore()
  for referencesFirst in [true, false] {
    // x2 = 101 and y = -1: exactly at the 1 px tolerance.
    let report = try importWith(
      box(2, 96, -1, 5, 5), policy: .strict, referencesFirst: referencesFirst, store: temp.opened)
    #expect(report.annotations == 2)
  }
}

@Test(arguments: [true, false])
func clippingMovesBoxesInsideOrRejectsThemWhenNothingRemains(referencesFirst: Bool) throws {
  let temp = try TemporaryStore()
  let report = try importWith(
    box(2, 90, -10, 30, 20), policy: .strict, clip: true, referencesFirst: referencesFirst,
    store: temp.opened)
  #expect(report.clipped == 1)
  let clipped = try temp.opened.annotations(in: "d", image: .int(1)).first { $0.id == .int(2) }!
  #expect([clipped.x, clipped.y, clipped.width, clipped.height] == [90, 0, 10, 10])
  // The stored area stays the given box's, w * h before clipping.
  #expect(clipped.area == 600)
  #expect(throws: StoreError.self) {
    _ = try importWith(
      box(3, 120, 0, 10, 10), policy: .strict, clip: true, referencesFirst: referencesFirst,
      store: temp.opened)
  }
}

@Test func imagesAndCategoriesAreValidatedToo() throws {
  let temp = try TemporaryStore()
  let report = try temp.opened.importDataset(
    named: "d", format: "test", source: "mem", options: ImportOptions(policy: .skip)
  ) { w in
    try w.add(CategoryRecord(id: .int(1), name: "c"), at: here)
    try w.add(CategoryRecord(id: .text("1"), name: "c2"), at: here)  // distinct from .int(1)
    try w.add(CategoryRecord(id: .int(1), name: "again"), at: here)
    try w.add(ImageRecord(id: .int(1), fileName: "a", width: 10, height: 10), at: here)
    try w.add(ImageRecord(id: .int(1), fileName: "b", width: 10, height: 10), at: here)
    try w.add(ImageRecord(id: .int(2), fileName: "c", width: 0, height: 10), at: here)
  }
  #expect(report.categories == 2 && report.images == 1)
  #expect(report.skipped == [.duplicateID: 2, .nonPositiveSize: 1])
}

@Test func detectionsNeedAnExistingImageAndCategory() throws {
  let temp = try TemporaryStore()
  let store = temp.opened
  _ = try store.importDataset(named: "gt", format: "test", source: "mem") { w in
    try w.add(CategoryRecord(id: .int(1), name: "c"), at: here)
    try w.add(ImageRecord(id: .int(5), fileName: "a", width: 10, height: 10), at: here)
  }
  let report = try store.importDetections(
    into: "gt", source: "mem", options: ImportOptions(policy: .skip)
  ) { w in
    try w.add(
      DetectionRecord(
        imageID: .int(5), categoryID: .int(1), x: 1, y: 1, width: 2, height: 2, score: 0.9),
      at: here)
    try w.add(
      DetectionRecord(
        imageID: .int(6), categoryID: .int(1), x: 1, y: 1, width: 2, height: 2, score: 0.9),
      at: here)
    try w.add(
      DetectionRecord(
        imageID: .int(5), categoryID: .int(2), x: 1, y: 1, width: 2, height: 2, score: 0.9),
      at: here)
    try w.add(
      DetectionRecord(
        imageID: .int(5), categoryID: .int(1), x: 1, y: 1, width: 2, height: 2, score: .nan),
      at: here)
  }
  #expect(report.detections == 1)
  #expect(report.skipped == [.unknownImage: 1, .unknownCategory: 1, .nonFinite: 1])
  #expect(throws: StoreError.self) {
    _ = try store.importDetections(into: "missing", source: "mem") { _ in }
  }
}

/// Image sides above `ImageRecord.maximumSide` (100,000 px): strict fails naming the record
/// and the reason; skip counts it, and its annotation then refers to an unknown image.
@Test func imagesWithASideAbove100000PixelsAreRejectedUnderThePolicy() throws {
  #expect(ImageRecord.maximumSide == 100_000)
  let sizes = [(100_001, 10), (10, 100_001), (2_000_000, 2_000_000)]
  for (width, height) in sizes {
    let temp = try TemporaryStore()
    let big = ImageRecord(id: .int(5), fileName: "big.jpg", width: width, height: height)
    #expect {
      _ = try temp.opened.importDataset(named: "d", format: "test", source: "mem") { w in
        try w.add(big, at: SourceLocation(file: "list.json"))
      }
    } throws: { error in
      guard let e = error as? StoreError else { return false }
      let text = "\(e)"
      return e.reason == .oversizedImage && e.recordID == .int(5) && text.contains("list.json")
        && text.contains("big.jpg") && text.contains("\(width)x\(height)")
    }
    #expect(try temp.opened.datasets().isEmpty)
    let report = try temp.opened.importDataset(
      named: "d", format: "test", source: "mem", options: ImportOptions(policy: .skip)
    ) { w in
      try w.add(CategoryRecord(id: .int(1), name: "cat"), at: here)
      try w.add(big, at: here)
      try w.add(ImageRecord(id: .int(6), fileName: "ok.jpg", width: 100_000, height: 1), at: here)
      try w.add(box(1, image: 5, 0, 0, 1, 1), at: here)
    }
    #expect(report.images == 1 && report.annotations == 0)
    #expect(report.skipped == [.oversizedImage: 1, .unknownImage: 1])
  }
}
