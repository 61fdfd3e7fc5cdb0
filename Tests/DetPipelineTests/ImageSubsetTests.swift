import DetGeometry
import DetPipeline
import DetStore
import Foundation
import Testing

@Suite struct ImageSubsetTests {
  /// With a subset, the loss needs predictions only for its images: the demo's image 121
  /// has none, and a subset without it runs over the other 11.
  @Test func lossNeedsPredictionsOnlyForTheSubset() throws {
    let demo = try DemoStore()
    var walker = try DatasetWalker(db: demo.db, name: "demo", resize: .none)
    let folder = demo.path("predictions")
    try walker.writeSyntheticPredictions(
      generator: AnchorGenerator(preset: .retinanet, compatibility: .torchvision), to: folder)
    for suffix in ["cls", "box"] {
      try FileManager.default.removeItem(at: folder.appendingPathComponent("121.\(suffix).npy"))
    }
    var ids: [String] = []
    try walker.forEachImage { ids.append($0.record.id.description) }
    let file = demo.path("subset.txt")
    try Data(ids.filter { $0 != "121" }.joined(separator: "\n").utf8).write(to: file)
    let source = try PredictionSource(path: folder.path)
    #expect(throws: PipelineError.self) {
      try DatasetLoss(walker: walker, predictions: source, head: .retinanet).run()
    }
    walker.subset = try ImageSubset(file: file.path, store: walker.store, dataset: "demo")
    let summary = try DatasetLoss(walker: walker, predictions: source, head: .retinanet)
      .run(keepsRecords: true)
    #expect(summary.images == 11)
    #expect(!summary.records.contains { $0.imageID == .int(121) })
  }

  /// A batch file naming an image outside the subset is an error naming the file.
  @Test func aBatchImageOutsideTheSubsetIsNamed() throws {
    let store = try BatchStore()
    let file = store.path("subset.txt")
    try Data("11\n12\n".utf8).write(to: file)
    var walker = try DatasetWalker(db: store.db, name: "b", resize: .torchvision)
    walker.subset = try ImageSubset(file: file.path, store: walker.store, dataset: "b")
    let batchFile = BatchGolden.root.appendingPathComponent("torchvision/batch_000.safetensors")
    let error = try #require(throws: PipelineError.self) {
      try DatasetLoss(
        walker: walker, predictions: try PredictionSource(path: batchFile.path), head: .retinanet
      ).run()
    }
    #expect(error.location == batchFile.path)
    #expect(error.problem == "image_ids[2] = 13 is not in the subset \(file.path)")
  }
}
