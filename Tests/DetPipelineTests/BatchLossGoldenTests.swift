import DetGeometry
import DetPipeline
import DetStore
import DetTestSupport
import Foundation
import Testing

/// fixtures/golden/batches: a small COCO dataset and, per framework, batch files with the
/// losses the framework's own code computed on them (tools/golden_batches.py).
struct BatchGolden: Decodable {
  struct Batch: Decodable {
    var file: String
    var classification: Double
    var box: Double
    var positives: [Int]?
    var canvas: [Int]
    var anchors: Int
  }
  var batches: [Batch]

  static var root: URL {
    var url = URL(fileURLWithPath: #filePath)
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path)
    {
      url.deleteLastPathComponent()
    }
    return url.appendingPathComponent("fixtures/golden/batches")
  }

  static func load(_ framework: DetectorFramework) throws -> BatchGolden {
    let data = try Data(contentsOf: root.appendingPathComponent("\(framework.rawValue).json"))
    return try JSONDecoder().decode(BatchGolden.self, from: data)
  }
}

/// A temporary store holding fixtures/golden/batches/instances.json as dataset "b".
final class BatchStore {
  let directory: URL
  let db: String

  init() throws {
    directory = TestTemporaryRoot.url
      .appendingPathComponent("detkit-batches-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    db = directory.appendingPathComponent("b.sqlite").path
    let store = try AnnotationStore(path: db)
    _ = try COCOImporter(path: BatchGolden.root.appendingPathComponent("instances.json").path)
      .importDataset(into: store, named: "b")
  }

  func path(_ name: String) -> URL { directory.appendingPathComponent(name) }

  deinit { try? FileManager.default.removeItem(at: directory) }
}

/// Runs `framework`'s loss over the golden batch files in `folder`, returning the batch
/// events and the per-image records.
func runGoldenBatches(
  _ framework: DetectorFramework, folder: String? = nil, store: BatchStore
) throws -> ([DatasetLoss.BatchLoss], [ImageLossRecord]) {
  let walker = try DatasetWalker(db: store.db, name: "b", resize: framework.resize)
  let source = try PredictionSource(
    path: folder ?? BatchGolden.root.appendingPathComponent(framework.rawValue).path)
  let loss = DatasetLoss(
    walker: walker, predictions: source, head: .retinanet, framework: framework)
  var batches: [DatasetLoss.BatchLoss] = []
  var images: [ImageLossRecord] = []
  _ = try loss.run { event in
    switch event {
    case .batch(let b): batches.append(b)
    case .image(let r): images.append(r)
    }
  }
  return (batches, images)
}

@Suite struct BatchLossGoldenTests {
  /// Mixed-size batches (multi-scale sizes from the metadata, the framework's own resize
  /// for the last), per-level NCHW and flat tensors, F32 / BF16 / F16, flips, crowd boxes
  /// and an image without boxes: every batch term equals the framework's own loss to 2e-5
  /// relative (float32 sums in torch against detkit's Double sums) — torchvision's
  /// `RetinaNet.compute_loss`, detectron2's `RetinaNet.losses` (its EMA normaliser carried
  /// through the three files in name order), mmdetection's `RetinaHead.loss_by_feat` (with
  /// anchors outside each image's own padded shape invalid) — and every image's positives
  /// equal its matcher's where the golden records them.
  @Test(arguments: DetectorFramework.allCases)
  func frameworkLossPerBatch(framework: DetectorFramework) throws {
    let golden = try BatchGolden.load(framework)
    let store = try BatchStore()
    let (batches, images) = try runGoldenBatches(framework, store: store)
    #expect(batches.count == golden.batches.count)
    if golden.batches.allSatisfy({ $0.positives != nil }) {
      #expect(images.map(\.positives) == golden.batches.flatMap { $0.positives! })
    }
    for (b, g) in zip(batches, golden.batches) {
      #expect(
        abs(b.classification - g.classification) <= 2e-5 * g.classification,
        "\(g.file) classification \(b.classification) vs \(framework) \(g.classification)")
      #expect(
        abs(b.box - g.box) <= 2e-5 * g.box, "\(g.file) box \(b.box) vs \(framework) \(g.box)")
    }
  }

  /// Per-image rows: torchvision's are each image's own loss, whose mean is the batch term;
  /// detectron2's and mmdetection's are each image's sum over the batch normaliser, whose
  /// sum is the batch term.
  @Test(arguments: DetectorFramework.allCases)
  func imageRowsMakeUpTheBatchTerm(framework: DetectorFramework) throws {
    let store = try BatchStore()
    let (batches, images) = try runGoldenBatches(framework, store: store)
    var rest = images[...]
    for b in batches {
      let rows = rest.prefix(b.images)
      rest = rest.dropFirst(b.images)
      let divisor = framework == .torchvision ? Double(b.images) : 1
      let classification = rows.map(\.classification).reduce(0, +) / divisor
      let box = rows.map(\.box).reduce(0, +) / divisor
      #expect(abs(classification - b.classification) <= 1e-12 * b.classification)
      #expect(abs(box - b.box) <= 1e-12 * b.box)
    }
    #expect(rest.isEmpty)
  }

  /// ema_cost follows the bias-corrected moving average of the batch costs (the first
  /// batch's is its cost), with the run's momentum; a recorded run keeps every batch row
  /// with its file.
  @Test(arguments: [0.9, 0.5])
  func emaCostAndRecordedBatches(momentum: Double) throws {
    let store = try BatchStore()
    let walker = try DatasetWalker(
      db: store.db, name: "b", resize: .detectron2, mode: .existing)
    var loss = DatasetLoss(
      walker: walker,
      predictions: try PredictionSource(
        path: BatchGolden.root.appendingPathComponent("detectron2").path),
      head: .retinanet, framework: .detectron2)
    loss.emaMomentum = momentum
    var batches: [DatasetLoss.BatchLoss] = []
    let summary = try loss.run(keepsRecords: true) {
      if case .batch(let b) = $0 { batches.append(b) }
    }
    var average = 0.0
    for (k, b) in batches.enumerated() {
      average = momentum * average + (1 - momentum) * b.cost
      let expected = average / (1 - pow(momentum, Double(k + 1)))
      #expect(abs(b.emaCost - expected) <= 1e-12 * expected, "batch \(k)")
    }
    #expect(batches[0].emaCost == batches[0].cost)
    #expect(summary.emaCost == batches.last?.emaCost)
    // detectron2 normalises per batch: the summary is the mean of the batch terms.
    let mean = batches.map(\.classification).reduce(0, +) / 3
    #expect(abs(summary.classification - mean) <= 1e-12 * mean)
    try loss.record(summary, named: "r")
    let stored = try AnnotationStore(path: store.db).batchLosses(inRun: "r")
    #expect(stored.map(\.batch) == [0, 1, 2])
    #expect(stored.map(\.emaCost) == batches.map(\.emaCost))
    #expect(stored.map(\.classification) == batches.map(\.classification))
    #expect(
      stored.map { URL(fileURLWithPath: $0.source).lastPathComponent }
        == ["batch_000.safetensors", "batch_001.safetensors", "batch_002.safetensors"])
  }
}
