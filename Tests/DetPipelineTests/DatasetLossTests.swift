import DetGeometry
import DetLoss
import DetMatching
import DetPipeline
import DetStore
import DetTensorIO
import Foundation
import Testing

/// The demo store with synthetic RetinaNet predictions in a folder, at the stored image
/// sizes (no resize: a third of the anchors, so the debug-build tests stay quick).
private func demoWithPredictions() throws -> (DemoStore, DatasetWalker, URL) {
  let demo = try DemoStore()
  // .existing: the loss tests also record into the store.
  let walker = try DatasetWalker(db: demo.db, name: "demo", resize: .none, mode: .existing)
  let folder = demo.path("predictions")
  try walker.writeSyntheticPredictions(
    generator: AnchorGenerator(preset: .retinanet, compatibility: .torchvision), to: folder)
  return (demo, walker, folder)
}

/// Events come per batch: its images, then the batch (5 + 5 + 2 images for 12 images in
/// batches of 5); the summary averages the per-image losses; a batch's cost is what
/// `RetinaNetCriterion` reports for those images evaluated together.
@Test func retinanetRunReportsImagesThenBatchesAndAverages() throws {
  let (demo, walker, folder) = try demoWithPredictions()
  defer { withExtendedLifetime(demo) {} }
  let source = try PredictionSource(path: folder.path)
  let loss = DatasetLoss(walker: walker, predictions: source, head: .retinanet, batchSize: 5)
  var order: [String] = []
  var images: [ImageLossRecord] = []
  var batches: [DatasetLoss.BatchLoss] = []
  let summary = try loss.run { event in
    switch event {
    case .image(let r):
      order.append("i")
      images.append(r)
    case .batch(let b):
      order.append("b\(b.images)")
      batches.append(b)
    }
  }
  #expect(order.joined(separator: " ") == "i i i i i b5 i i i i i b5 i i b2")
  #expect(summary.images == 12 && summary.batches == 3)
  #expect(batches.map(\.index) == [0, 1, 2])
  #expect(summary.records.isEmpty)
  let meanClassification = images.map(\.classification).reduce(0, +) / 12
  let meanBox = images.map(\.box).reduce(0, +) / 12
  // The same twelve terms summed in the same order: equal up to the last bit or so.
  #expect(abs(summary.classification - meanClassification) <= 1e-12)
  #expect(abs(summary.box - meanBox) <= 1e-12)

  // Batch 1 by hand: images 5..<10 through the criterion at once.
  var inputs: [RetinaNetCriterion.Image] = []
  var k = 0
  let generator = AnchorGenerator(preset: .retinanet, compatibility: .torchvision)
  try walker.forEachImage { image throws(PipelineError) in
    defer { k += 1 }
    guard (5..<10).contains(k) else { return }
    let grid = generator.anchors(for: image.canvas)
    let (logits, deltas) = try source.tensors(
      for: image.record.id.description, anchors: grid.count, classes: 5, nonFinite: .error)
    inputs.append(
      RetinaNetCriterion.Image(
        anchors: .grid(GridAnchorIndex(grid)), groundTruth: image.boxes, labels: image.labels,
        logits: logits, deltas: deltas))
  }
  var criterion = RetinaNetCriterion(
    matcher: IoUMatcher(high: 0.5, low: 0.4, allowsLowQualityMatches: true, policy: .torchvision))
  criterion.computesLogitsGradient = false
  let batch = try criterion.evaluate(inputs)
  #expect(batches[1].classification == batch.classification)
  #expect(batches[1].box == batch.box)
}

/// RetinaNet's per-image losses are normalised per image, so they do not depend on how
/// images are batched; records are kept only when asked for, in dataset order.
@Test func perImageLossesDoNotDependOnTheBatchSize() throws {
  let (demo, walker, folder) = try demoWithPredictions()
  defer { withExtendedLifetime(demo) {} }
  let source = try PredictionSource(path: folder.path)
  let one = try DatasetLoss(walker: walker, predictions: source, head: .retinanet, batchSize: 1)
    .run(keepsRecords: true)
  let all = try DatasetLoss(walker: walker, predictions: source, head: .retinanet, batchSize: 12)
    .run(keepsRecords: true)
  #expect(one.batches == 12 && all.batches == 1)
  #expect(one.records.map(\.imageID) == all.records.map(\.imageID))
  for (a, b) in zip(one.records, all.records) {
    #expect(a.positives == b.positives && a.ignored == b.ignored)
    // Focal sums run over the anchors of one image either way; only the summation order
    // inside a kernel may differ.
    #expect(abs(a.classification - b.classification) <= 1e-9 * max(1, abs(a.classification)))
    #expect(abs(a.box - b.box) <= 1e-9 * max(1, abs(a.box)))
  }
}

/// A recorded run lands in the store whole: `hardestImages` gives back the records.
@Test func recordStoresTheRunsRecords() throws {
  let (demo, walker, folder) = try demoWithPredictions()
  let loss = DatasetLoss(
    walker: walker, predictions: try PredictionSource(path: folder.path), head: .retinanet)
  let summary = try loss.run(keepsRecords: true)
  try loss.record(summary, named: "r")
  let stored = try AnnotationStore(path: demo.db).hardestImages(inRun: "r", top: 100)
  #expect(Set(stored) == Set(summary.records))
  #expect(stored.count == 12)
}

/// A prediction folder without an image's files, or with a wrong shape, stops the run
/// with an error naming the folder and the image.
@Test func missingOrMisshapenPredictionsAreLocated() throws {
  let (demo, walker, folder) = try demoWithPredictions()
  try FileManager.default.removeItem(at: folder.appendingPathComponent("121.box.npy"))
  let run = DatasetLoss(
    walker: walker, predictions: try PredictionSource(path: folder.path), head: .retinanet)
  let missing = try #require(throws: PipelineError.self) { try run.run() }
  #expect(missing.code == .missingPredictions)
  #expect(missing.description == "\(folder.path): no file 121.box.npy for image 121")

  let rpn = DatasetLoss(
    walker: walker, predictions: try PredictionSource(path: folder.path), head: .rpn)
  let shape = try #require(throws: PipelineError.self) { try rpn.run() }
  #expect(shape.code == .badArray)
  #expect(shape.description.contains("100.cls.npy has shape"))
  #expect(shape.description.contains("(anchors, classes) for image 100"))

  let nowhere = try #require(throws: PipelineError.self) {
    try PredictionSource(path: demo.path("none").path)
  }
  #expect(nowhere.code == .missingPredictions)
}

/// A NaN logit stops the run naming the file, the anchor and the class; under propagate
/// the run completes and the NaN reaches the image's loss and the summary.
@Test func nonFinitePredictionsFollowThePolicy() throws {
  let (demo, walker, folder) = try demoWithPredictions()
  defer { withExtendedLifetime(demo) {} }
  let file = folder.appendingPathComponent("107.cls.npy")
  let tensor = try NPYFile.read(contentsOf: file)
  var logits = try tensor.asFloat32()
  logits[1234] = .nan
  try NPYFile.write(Tensor(shape: tensor.shape, float32: logits), to: file)
  let source = try PredictionSource(path: folder.path)
  let strict = DatasetLoss(walker: walker, predictions: source, head: .retinanet)
  let error = try #require(throws: PipelineError.self) { try strict.run() }
  #expect(error.code == .nonFiniteInput)
  #expect(error.location == folder.path + "/107.cls.npy")
  #expect(error.nonFinite?.position == [1234 / 5, 1234 % 5])
  let lenient = DatasetLoss(
    walker: walker, predictions: source, head: .retinanet, nonFinite: .propagate)
  var nanImages: [String] = []
  let summary = try lenient.run { event in
    if case .image(let r) = event, r.classification.isNaN {
      nanImages.append(r.imageID.description)
    }
  }
  // Anchor 246 is background or positive unless ignored; the demo's image 107 has it so.
  #expect(nanImages == ["107"] || nanImages.isEmpty)
  #expect(summary.classification.isNaN == !nanImages.isEmpty)
}
