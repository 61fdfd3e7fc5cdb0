import DetGeometry
import DetPipeline
import DetStore
import DetTestSupport
import Foundation
import Testing

/// Every demo image comes out in import order on torchvision's canvas (re-derived here
/// from its formula), with its non-crowd boxes scaled per axis, crowd boxes apart and
/// labels indexing the categories in file order.
@Test func walkerResizesTheDemoLikeTorchvision() throws {
  let demo = try DemoStore()
  let (images, annotations, categories) = try Demo.load()
  let walker = try DatasetWalker(db: demo.db, name: "demo", resize: .torchvision)
  #expect(walker.categoryNames.count == categories.count)
  var seen: [Int] = []
  try walker.forEachImage { image in
    guard case .int(let id) = image.record.id else {
      Issue.record("text id \(image.record.id)")
      return
    }
    seen.append(Int(id))
    let stored = images.first { $0.id == Int(id) }!
    let (resized, canvas) = Demo.torchvisionResize(stored)
    #expect(image.resized == resized)
    #expect(image.canvas == canvas)
    let rx = Float(resized.width) / Float(stored.width)
    let ry = Float(resized.height) / Float(stored.height)
    let mine = annotations.filter { $0.imageID == Int(id) }
    let plain = mine.filter { !$0.crowd }
    #expect(image.boxes.count == plain.count)
    #expect(image.crowd.count == mine.count - plain.count)
    #expect(image.labels == plain.map { categories.firstIndex(of: $0.categoryID)! })
    for (k, a) in plain.enumerated() {
      let b = image.boxes[k]
      let expected = [a.box[0] * rx, a.box[1] * ry, a.box[2] * rx, a.box[3] * ry]
      for (got, want) in zip([b.x1, b.y1, b.x2, b.y2], expected) {
        // float32 scaling of a float32 box: a few ulps at most.
        #expect(abs(got - want) <= 1e-3, "image \(id) box \(k)")
      }
    }
  }
  #expect(seen == images.map(\.id))
}

/// Without a resize the canvas is the stored image and the boxes are the stored ones.
@Test func walkerWithoutResizeKeepsStoredPixels() throws {
  let demo = try DemoStore()
  let (images, annotations, _) = try Demo.load()
  let walker = try DatasetWalker(db: demo.db, name: "demo", resize: .none)
  let image = try walker.image(id: .int(107))
  let stored = images.first { $0.id == 107 }!
  #expect(image.canvas == ImageSize(height: stored.height, width: stored.width))
  #expect(image.resized == image.canvas)
  let first = annotations.first { $0.imageID == 107 }!
  #expect(
    [image.boxes[0].x1, image.boxes[0].y1, image.boxes[0].x2, image.boxes[0].y2] == first.box)
}

/// A missing dataset or image is a located pipeline error carrying the store's message.
@Test func walkerReportsUnknownDatasetsAndImages() throws {
  let demo = try DemoStore()
  let missing = try #require(throws: PipelineError.self) {
    try DatasetWalker(db: demo.db, name: "nope", resize: .torchvision)
  }
  #expect(missing.code == .badInput)
  #expect(missing.underlying is StoreError)
  #expect(missing.description.contains("nope"))
  let walker = try DatasetWalker(db: demo.db, name: "demo", resize: .torchvision)
  let image = try #require(throws: PipelineError.self) { try walker.image(id: .int(5)) }
  #expect(image.underlying is StoreError)
}

/// The cache hands back the generator's grid for every canvas, also past its capacity.
@Test func gridCacheReturnsTheGeneratorsGrid() throws {
  let generator = AnchorGenerator(preset: .retinanet, compatibility: .torchvision)
  var cache = GridCache(generator)
  let sizes = (0...GridCache.capacity + 2).map { ImageSize(height: 64 + 32 * $0, width: 96) }
  for size in sizes + sizes.reversed() {
    let (grid, _) = try cache.grid(for: canvasOnly(size))
    #expect(grid.boxes == generator.anchors(for: size).boxes)
  }
}

/// A canvas too large for the anchor limit is an error naming the image, before any grid
/// is built.
@Test func gridCacheRefusesACanvasPastTheAnchorLimit() throws {
  var cache = GridCache(AnchorGenerator(preset: .fpn, compatibility: .torchvision))
  let error = try #require(throws: PipelineError.self) {
    try cache.grid(for: canvasOnly(ImageSize(height: 100_001, width: 100_001)))
  }
  #expect(error.code == .anchorLimit)
  #expect(error.description.contains("image 7 (huge.jpg)"))
  #expect(error.description.contains("100000000"))
}

/// An image of no boxes whose canvas is `size`.
private func canvasOnly(_ size: ImageSize) -> PipelineImage {
  PipelineImage(
    record: ImageRecord(id: .int(7), fileName: "huge.jpg", width: size.width, height: size.height),
    canvas: size, resized: size, boxes: BoxArray(), labels: [], annotations: [], crowd: BoxArray())
}

/// `difficult`: keep (ground truth), ignore (with the crowd boxes), drop (gone; a difficult
/// crowd box too). Image 1: a dog, a difficult dog, a difficult crowd cat, a crowd cat.
@Test(
  arguments: [
    (
      DifficultPolicy.keep, [[0, 0, 10, 10], [20, 20, 40, 40]],
      [[50, 50, 60, 60], [70, 70, 80, 80]]
    ),
    (.ignore, [[0, 0, 10, 10]], [[20, 20, 40, 40], [50, 50, 60, 60], [70, 70, 80, 80]]),
    (.drop, [[0, 0, 10, 10]], [[70, 70, 80, 80]]),
  ] as [(DifficultPolicy, [[Float]], [[Float]])])
func walkerAppliesTheDifficultPolicy(
  policy: DifficultPolicy, boxes: [[Float]], crowd: [[Float]]
) throws {
  let dir = TestTemporaryRoot.url.appendingPathComponent(
    "detkit-difficult-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: dir) }
  let input = dir.appendingPathComponent("in.json")
  try Data(
    #"""
    {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
     "categories": [{"id": 1, "name": "dog"}, {"id": 2, "name": "cat"}],
     "annotations": [
      {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10]},
      {"id": 2, "image_id": 1, "category_id": 1, "bbox": [20, 20, 20, 20], "difficult": 1},
      {"id": 3, "image_id": 1, "category_id": 2, "bbox": [50, 50, 10, 10], "difficult": 1,
       "iscrowd": 1},
      {"id": 4, "image_id": 1, "category_id": 2, "bbox": [70, 70, 10, 10], "iscrowd": 1}]}
    """#.utf8
  ).write(to: input)
  let db = dir.appendingPathComponent("s.sqlite").path
  _ = try COCOImporter(path: input.path).importDataset(
    into: try AnnotationStore(path: db), named: "d")
  var walker = try DatasetWalker(db: db, name: "d", resize: .none)
  #expect(walker.difficult == .keep)
  walker.difficult = policy
  let image = try walker.image(id: .int(1))
  func rows(_ array: BoxArray) -> [[Float]] {
    (0..<array.count).map { [array[$0].x1, array[$0].y1, array[$0].x2, array[$0].y2] }
  }
  #expect(rows(image.boxes) == boxes)
  #expect(rows(image.crowd) == crowd)
  #expect(image.labels == Array(repeating: 0, count: boxes.count))
}
