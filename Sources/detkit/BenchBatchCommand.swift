import ArgumentParser
import DetPipeline
import DetStore
import Foundation

/// `detkit bench batch`: W-BATCH, the RetinaNet loss side over batch files, against
/// `tools/peer_batch.py` (torchvision's `RetinaNet.compute_loss`) on the same files.
struct BenchBatchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "batch",
    abstract: "Time W-BATCH: RetinaNet losses over batch files, in images per second.",
    discussion: """
      The workload folder is what tools/peer_batch.py writes: instances.json (a COCO \
      dataset of mixed-size images, C = 80), batches/NNN.safetensors (torchvision head \
      outputs per batch: flat cls_logits [B, N, 80] and bbox_regression [B, N, 4], F16, \
      image_ids and canvas in the metadata) and peer.json (torchvision's time, per-batch \
      losses and peak memory on the same files). The dataset is imported into a temporary \
      store (not timed); then one untimed warm-up pass over the first batch file and the \
      timed run of `loss retinanet --framework torchvision` over every file: read and \
      convert the head outputs, resize the ground truth, anchors on each batch canvas, \
      matching and the losses. Reports images per second, the speedup over the peer, the \
      largest relative difference of a batch term from torchvision's, and this process's \
      peak resident memory (one batch of head outputs, converted to float32, dominates it).

      Example:
        ~/.cache/detkit-refenv/bin/python tools/peer_batch.py --out /tmp/wbatch
        detkit bench batch --workload /tmp/wbatch
      """)

  @Option(help: "The folder tools/peer_batch.py wrote.")
  var workload: String

  @Flag(help: "Print JSON.")
  var json = false

  func run() throws {
    let root = URL(fileURLWithPath: workload)
    let temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
      "detkit-bench-batch-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: temporary) }
    let db = temporary.appendingPathComponent("w.sqlite").path
    _ = try COCOImporter(path: root.appendingPathComponent("instances.json").path)
      .importDataset(into: try AnnotationStore(path: db), named: "w")
    let walker = try DatasetWalker(db: db, name: "w", resize: .torchvision)
    let folder = root.appendingPathComponent("batches").path
    let source = try PredictionSource(path: folder)
    guard let first = source.batchFiles.first else {
      throw PipelineError(.missingPredictions, at: folder, "no batch files")
    }
    _ = try DatasetLoss(
      walker: walker, predictions: try PredictionSource(path: first), head: .retinanet
    ).run()
    var batches: [DatasetLoss.BatchLoss] = []
    let start = DispatchTime.now().uptimeNanoseconds
    let summary = try DatasetLoss(walker: walker, predictions: source, head: .retinanet).run {
      if case .batch(let b) = $0 { batches.append(b) }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let peakMiB = Double(usage.ru_maxrss) / 1024
    let rate = Double(summary.images) / seconds
    var peerRate: Double?
    var peerPeak: Double?
    var difference: Double?
    let peerFile = root.appendingPathComponent("peer.json")
    if let data = try? Data(contentsOf: peerFile),
      let peer = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      peer["workload"] as? String == "batch"
    {
      peerRate = peer["images_per_second"] as? Double
      peerPeak = peer["peak_rss_mb"] as? Double
      let terms = peer["per_batch"] as? [[String: Any]] ?? []
      if terms.count == batches.count {
        difference = zip(batches, terms).map { b, t in
          let c = t["classification"] as? Double ?? .nan
          let r = t["box"] as? Double ?? .nan
          return max(abs(b.classification - c) / abs(c), abs(b.box - r) / abs(r))
        }.max()
      }
    }
    if json {
      var report: [(key: String, value: JSONValue)] = [
        ("tool", "detkit"), ("workload", "batch"), ("images", .int(summary.images)),
        ("batches", .int(summary.batches)), ("seconds", .double(seconds)),
        ("images_per_second", .double(rate)), ("peak_rss_mib", .double(peakMiB)),
      ]
      if let peerRate { report.append(("speedup", .double(rate / peerRate))) }
      if let peerPeak { report.append(("peer_peak_rss_mib", .double(peerPeak))) }
      if let difference { report.append(("max_relative_difference", .double(difference))) }
      printJSON(.object(report))
      return
    }
    print(
      "batch: \(summary.images) images in \(summary.batches) batch files (\(workload)), torchvision's loss"
    )
    print(
      String(format: "detkit  %8.3f s  %8.2f images/s  peak %7.1f MiB", seconds, rate, peakMiB))
    if let peerRate {
      print(
        String(
          format: "peer    %8.3f s  %8.2f images/s  peak %7.1f MiB",
          Double(summary.images) / peerRate,
          peerRate, peerPeak ?? .nan))
      print(String(format: "speedup %.1fx", rate / peerRate))
    }
    if let difference {
      print(String(format: "largest relative difference of a batch term: %.2e", difference))
    }
  }
}
