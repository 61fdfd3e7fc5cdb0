import DetEval
import DetGeometry
import DetPipeline
import Foundation
import Testing

@testable import DetStore

/// `EvalStoreInput` gives the same detections, and so the same evaluation to the bit, whether
/// it reads a set's packed copy or its rows (a store from before packs).
@Test func evalInputFromThePackEqualsTheRowRead() throws {
  let directory = FileManager.default.temporaryDirectory
    .appendingPathComponent("detkit-evalinput-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: directory) }
  var rng = SyntheticBoxes.SplitMix64(state: 17)
  func uniform(_ upper: Double) -> Double { Double(rng.next() % 1_000_000) / 1_000_000 * upper }
  var images: [String] = []
  var annotations: [String] = []
  var results: [String] = []
  for image in 0..<30 {
    let id = 1000 + 7 * image
    images.append(#"{"id": \#(id), "file_name": "\#(id).jpg", "width": 200, "height": 150}"#)
    for n in 0..<(image % 5) {
      let (x, y, w, h) = (uniform(120), uniform(90), 4 + uniform(70), 4 + uniform(50))
      annotations.append(
        #"{"id": \#(annotations.count + 1), "image_id": \#(id), "category_id": \#(1 + n % 3), "bbox": [\#(x), \#(y), \#(w), \#(h)], "area": \#(w * h), "iscrowd": \#(n == 3 ? 1 : 0)}"#
      )
      // A jittered hit, and a background box; scores on a coarse grid, so ties occur.
      let score = Double(rng.next() % 20) / 20
      results.append(
        #"{"image_id": \#(id), "category_id": \#(1 + n % 3), "bbox": [\#(x + uniform(4)), \#(y), \#(w), \#(h - uniform(3))], "score": \#(score)}"#
      )
    }
    for _ in 0..<6 {
      results.append(
        #"{"image_id": \#(id), "category_id": \#(1 + rng.next() % 3), "bbox": [\#(uniform(150)), \#(uniform(100)), \#(uniform(60)), \#(uniform(60))], "score": \#(Double(rng.next() % 20) / 20)}"#
      )
    }
  }
  let gt = directory.appendingPathComponent("gt.json")
  try Data(
    #"""
    {"images": [\#(images.joined(separator: ","))],
     "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}],
     "annotations": [\#(annotations.joined(separator: ","))]}
    """#.utf8
  ).write(to: gt)
  let dt = directory.appendingPathComponent("dt.json")
  try Data("[\(results.joined(separator: ","))]".utf8).write(to: dt)
  let path = directory.appendingPathComponent("store.sqlite").path
  let store = try AnnotationStore(path: path)
  _ = try COCOImporter(path: gt.path).importDataset(into: store, named: "d")
  _ = try COCOResultsImporter(path: dt.path).importDetections(into: store, dataset: "d")

  func evaluate(_ input: inout EvalStoreInput) throws -> [UInt64] {
    try COCOEvaluator().evaluate(
      images: input.images, categories: input.categories, groundTruth: input.groundTruth,
      detections: input.takeDetections()
    ).summary(.chosen).stats.map(\.bitPattern)
  }
  #expect(try store.packedDetections(in: "d")?.count == results.count)
  var packed = try EvalStoreInput(store: store, dataset: "d", set: "default")
  let fromPack = packed.detections
  let packedStats = try evaluate(&packed)

  try store.database.execute("DELETE FROM detection_packs")
  #expect(try store.packedDetections(in: "d") == nil)
  var rows = try EvalStoreInput(store: store, dataset: "d", set: "default")
  #expect(rows.detectionCount == results.count)
  #expect(rows.detections == fromPack)
  #expect(try evaluate(&rows) == packedStats)
  #expect(packedStats.contains { Double(bitPattern: $0) > 0 })
}
