import Testing

@testable import DetStore

private let here = SourceLocation(file: "test")

private func box(
  _ id: Int64, image: Int64 = 1, category: Int64 = 1, _ x: Double, _ y: Double, _ w: Double,
  _ h: Double
) -> AnnotationRecord {
  AnnotationRecord(id: .int(id), imageID: .int(image), categoryID: .int(category), x: x, y: y, width: w, height: h)
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
