import ArgumentParser
import DetGeometry
import DetLoss
import DetMatching
import DetPipeline
import Foundation

/// `detkit bench pipeline`: images per second through anchors, matching, targets and the
/// RetinaNet losses, against `tools/peer_pipeline.py`.
struct BenchPipelineCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pipeline",
    abstract: "Time the per-image target + loss pipeline (W-FPN, C = 80) in images per second.",
    discussion: """
      Per image (800 x 1344, torchvision-compatible FPN anchors, 268,569 of them): anchors, \
      then RetinaNetCriterion with the grid-aware sparse matcher (0.7 / 0.3, low-quality \
      matches, torchvision's rule), BoxCoder (1,1,1,1), focal 0.25 / 2 over non-ignored \
      anchors x 80 classes and L1 on positives, each / max(1, positives). Forward only on \
      both sides (no logits gradient), as a loss report needs. \
      Ground truth of image k: SyntheticBoxes.cocoLike(count: --gt, seed: --seed + k), \
      box j of class 7j mod 80; predictions are the formula tools/peer_pipeline.py \
      documents, built once and not timed. One warm-up image, then --images timed.

      Example:
        ~/.cache/detkit-refenv/bin/python tools/peer_pipeline.py \\
          --images 4 > peer.json
        detkit bench pipeline --images 4 --compare peer.json
      """)

  @Option(help: "Timed images.")
  var images = 4

  @Option(help: "Ground-truth boxes per image.")
  var gt = 20

  @Option(help: "Seed of the ground-truth generator (image k uses seed + k).")
  var seed: UInt64 = 1

  @Option(help: "A tools/peer_pipeline.py JSON report to compare with.")
  var compare: String?

  @Flag(help: "Print JSON.")
  var json = false

  func validate() throws {
    guard images >= 1 else { throw ValidationError("--images must be >= 1, got \(images)") }
    guard gt >= 0, gt <= 10_000 else {
      throw ValidationError("--gt must be in 0...10000, got \(gt)")
    }
  }

  static let classes = 80

  /// `u(i)` of tools/peer_pipeline.py, in Float.
  static func uniform(_ n: Int) -> [Float] {
    (0..<n).map { i in
      let h = (UInt64(i) &* 2_654_435_761) & 0xFFFF_FFFF
      return Float(h >> 8) * Float(1.0 / 16_777_216.0)
    }
  }

  func run() throws {
    var peerRate: Double?
    var peerLosses: [[String: Any]] = []
    if let compare {
      let object =
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: compare)))
        as? [String: Any]
      guard let object, object["workload"] as? String == "pipeline",
        let r = object["images_per_second"] as? Double
      else {
        throw PipelineError(.badInput, at: compare, "not a tools/peer_pipeline.py report")
      }
      if object["gt"] as? Int != gt || object["seed"] as? Int != Int(seed) {
        FileHandle.standardError.write(
          Data("detkit bench pipeline: warning: \(compare) has different --gt / --seed\n".utf8))
      }
      peerRate = r
      peerLosses = object["per_image"] as? [[String: Any]] ?? []
    }
    let image = FPNWorkload.image
    let generator = AnchorGenerator.fpn(compatibility: .torchvision)
    let n = generator.anchorCount(for: image) ?? 0
    let logits = Self.uniform(n * Self.classes).map { Float(3) * $0 + Float(-6.5) }
    let deltas = Self.uniform(n * 4).map { Float(0.6) * $0 + Float(-0.3) }
    let classes = (0..<gt).map { (7 * $0) % Self.classes }
    let matcher = IoUMatcher.rpn
    let boxes = (0...images).map {
      SyntheticBoxes.cocoLike(count: gt, in: image, seed: seed + UInt64($0))
    }
    var criterion = RetinaNetCriterion(matcher: matcher)
    criterion.computesLogitsGradient = false  // forward only, as torchvision's side
    func one(_ groundTruth: BoxArray) throws -> RetinaNetCriterion.ImageLoss {
      let grid = generator.anchors(for: image)
      let loss = try criterion.evaluate([
        RetinaNetCriterion.Image(
          anchors: .grid(GridAnchorIndex(grid)), groundTruth: groundTruth, labels: classes,
          logits: logits, deltas: deltas)
      ])
      return loss.images[0]
    }
    _ = try one(boxes[images])  // warm-up on an image outside the timed set
    let start = DispatchTime.now().uptimeNanoseconds
    let losses = try boxes.prefix(images).map(one)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let rate = Double(images) / seconds
    if json {
      var report: [(key: String, value: JSONValue)] = [
        ("tool", "detkit"), ("workload", "pipeline"), ("images", .int(images)), ("gt", .int(gt)),
        ("seed", .int(Int(seed))), ("anchors", .int(n)), ("classes", .int(Self.classes)),
        ("threads", .int(ProcessInfo.processInfo.activeProcessorCount)),
        ("seconds", .double(seconds)), ("images_per_second", .double(rate)),
        (
          "per_image",
          .array(
            losses.map {
              [
                "classification": .double($0.classification), "box": .double($0.box),
                "positives": .int($0.positives),
              ]
            })
        ),
      ]
      if let peerRate { report.append(("speedup", .double(rate / peerRate))) }
      printJSON(.object(report))
      return
    }
    print(
      "pipeline: \(images) images 800x1344, \(n) FPN anchors, \(gt) GT boxes, C = \(Self.classes), \(ProcessInfo.processInfo.activeProcessorCount) threads"
    )
    print(String(format: "detkit       %8.3f s  %8.2f images/s", seconds, rate))
    if let peerRate {
      print(
        String(
          format: "peer         %8.3f s  %8.2f images/s  (%@)", Double(images) / peerRate, peerRate,
          compare!))
      print(String(format: "speedup      %.1fx", rate / peerRate))
    }
    print(
      "image  positives  classification        box"
        + (peerLosses.isEmpty ? "" : "   peer classification  peer box"))
    for (k, l) in losses.enumerated() {
      var line = String(format: "%5d  %9d  %14.6f  %9.6f", k, l.positives, l.classification, l.box)
      if k < peerLosses.count, let c = peerLosses[k]["classification"] as? Double,
        let b = peerLosses[k]["box"] as? Double
      {
        line += String(format: "   %19.6f  %8.6f", c, b)
      }
      print(line)
    }
  }
}
