import ArgumentParser
import DetGeometry
import DetMatching
import DetPipeline
import Foundation

/// The W-FPN workload of DESIGN.md and its stages.
struct FPNWorkload: Sendable {
  /// A COCO image resized to 800 x 1333 and padded to 32.
  static let image = ImageSize(height: 800, width: 1344)

  /// torchvision-compatible FPN anchors, so both tools compute the same 268,569 boxes.
  let generator = AnchorGenerator.fpn(compatibility: .torchvision)
  let groundTruth: BoxArray
  let anchors: AnchorGrid

  init(gt: Int, seed: UInt64) {
    groundTruth = SyntheticBoxes.cocoLike(count: gt, in: Self.image, seed: seed)
    anchors = generator.anchors(for: Self.image)
  }

  /// Every stage, in the order they run; `tools/peer_bench.py` has the same names.
  static let stages: [BenchStage<FPNWorkload>] = [
    BenchStage(name: "anchors", summary: "FPN anchor grid, 268,569 boxes") { w in
      { w.generator.anchors(for: FPNWorkload.image) }
    },
    BenchStage(name: "iou", summary: "IoU matrix, M ground-truth boxes x 268,569 anchors") { w in
      { pairwiseIoU(w.groundTruth, w.anchors.boxes) }
    },
    BenchStage(
      name: "iou_into",
      summary:
        "the same matrix written into one caller buffer reused run after run (no fresh pages to map and zero; detkit only: torchvision's box_iou has no out=)"
    ) { w in
      var buffer = [Float](repeating: 0, count: w.groundTruth.count * w.anchors.count)
      return {
        buffer.withUnsafeMutableBufferPointer { out in
          pairwiseIoU(w.groundTruth, w.anchors.boxes, into: out)
        }
        return buffer.count
      }
    },
    BenchStage(
      name: "fresh_pages",
      summary:
        "no arithmetic: a fresh result of the iou's size, allocated and split across the cores as iou's is, one float written per 4 KiB page (the kernel's mapping and zeroing of every new page alone, about what iou pays for its pages; detkit only)"
    ) { w in
      w.freshPagesStage()
    },
    BenchStage(
      name: "match",
      summary: "IoU + matching 0.7/0.3 with low-quality matches, grid-aware sparse path"
    ) { w in
      let index = GridAnchorIndex(w.anchors)
      return { try! FPNWorkload.matcher.match(groundTruth: w.groundTruth, in: index) }
    },
    BenchStage(name: "match_dense", summary: "the same matching over every (box, anchor) pair") {
      w in
      { try! FPNWorkload.matcher.match(groundTruth: w.groundTruth, anchors: w.anchors.boxes) }
    },
    BenchStage(
      name: "encode", summary: "regression targets of the matched positives, weights (1,1,1,1)"
    ) { w in
      let result = try! FPNWorkload.matcher.match(
        groundTruth: w.groundTruth, in: GridAnchorIndex(w.anchors))
      return { result.regressionTargets(groundTruth: w.groundTruth, anchors: w.anchors.boxes) }
    },
    BenchStage(
      name: "focal", summary: "sigmoid focal loss, non-ignored anchors x 80 / max(1, positives)"
    ) { w in
      w.focalStage(gradient: false)
    },
    BenchStage(name: "focal_grad", summary: "the same plus the gradient into a preallocated buffer")
    { w in
      w.focalStage(gradient: true)
    },
    BenchStage(name: "smoothl1", summary: "smooth L1 (beta 1/9) on the positives' encoded deltas") {
      w in
      w.smoothL1Stage()
    },
  ]

  /// torchvision's RPN matcher, `Matcher(0.7, 0.3, allow_low_quality_matches=True)`.
  static let matcher = IoUMatcher.rpn
}

/// `detkit bench fpn`.
struct BenchFPNCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fpn",
    abstract: "Time the W-FPN workload: 800x1344 image, FPN anchors, M ground-truth boxes.",
    discussion: """
      Stages (--stages, default all): \(FPNWorkload.stages.map { "\($0.name) (\($0.summary))" }.joined(separator: ", ")). \
      Anchors use the torchvision-compatible mode so both tools build the same boxes. \
      Ground truth: SyntheticBoxes.cocoLike(count: --gt, seed: --seed), the generator \
      tools/peer_bench.py shares bit for bit. The first line names the kernel variant the \
      run dispatched to (swift-simd, baseline, avx2, avx512: the widest this CPU supports) \
      and the instruction set the build targets. With --compare, the ratios are the \
      peer's eager time and, when the report has them, its torch.compile time over \
      detkit's.

      Examples:
        detkit bench
        detkit bench fpn --gt 100 --repeat 15 --json > detkit.json
        detkit bench --gt 100 --compare peer.json
      """)

  @Option(help: "Ground-truth boxes M.")
  var gt: Int = 20

  @Option(help: "Timed runs per stage, after one warm-up.")
  var `repeat`: Int = 7

  @Option(help: "Seed of the ground-truth generator.")
  var seed: UInt64 = 1

  @Option(help: "Comma-separated stages to run (default: all).")
  var stages: String?

  @Flag(help: "Write the report as JSON (the keys of tools/peer_bench.py).")
  var json = false

  @Option(help: "A tools/peer_bench.py JSON report: print peer/detkit ratios per stage.")
  var compare: String?

  func validate() throws {
    if gt < 0 { throw ValidationError("--gt must be >= 0, got \(gt)") }
    if gt > 100_000 { throw ValidationError("--gt must be at most 100000, got \(gt)") }
    if `repeat` < 1 { throw ValidationError("--repeat must be >= 1, got \(`repeat`)") }
    _ = try selectedStages()
  }

  private func selectedStages() throws -> [BenchStage<FPNWorkload>] {
    guard let stages else { return FPNWorkload.stages }
    return try stages.split(separator: ",", omittingEmptySubsequences: false).map { name in
      guard let stage = FPNWorkload.stages.first(where: { $0.name == name }) else {
        throw ValidationError(
          "unknown stage '\(name)'; available: \(FPNWorkload.stages.map(\.name).joined(separator: ","))"
        )
      }
      return stage
    }
  }

  func run() throws {
    let peer = try compare.map(Self.loadPeer)
    let workload = FPNWorkload(gt: gt, seed: seed)
    var report = BenchReport(
      tool: "detkit", workload: "W-FPN", gt: gt, seed: seed,
      threads: ProcessInfo.processInfo.activeProcessorCount, stages: [:],
      kernel_variant: KernelVariant.active.rawValue, build_target: Self.buildTarget)
    var order: [String] = []
    for stage in try selectedStages() {
      report.stages[stage.name] = BenchTimer.time(runs: `repeat`, stage.prepare(workload))
      order.append(stage.name)
    }
    if let peer {
      if peer.workload != report.workload || peer.gt != gt
        || (peer.seed != nil && peer.seed != seed)
      {
        FileHandle.standardError.write(
          Data(
            "detkit bench: warning: \(compare ?? "") is \(peer.workload) with gt \(peer.gt), seed \(peer.seed.map(String.init) ?? "?"); this run is W-FPN with gt \(gt), seed \(seed)\n"
              .utf8))
      }
      report.peer = peer.tool
      report.speedup = [:]
      if peer.compiled_stages != nil { report.speedup_compiled = [:] }
      for (name, mine) in report.stages where mine.median_ms > 0 {
        if let theirs = peer.stages[name] {
          report.speedup?[name] = Self.ratio(theirs.median_ms, mine.median_ms)
        }
        if let theirs = peer.compiled_stages?[name]?.median_ms {
          report.speedup_compiled?[name] = Self.ratio(theirs, mine.median_ms)
        }
      }
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      print(String(decoding: try encoder.encode(report), as: UTF8.self))
      return
    }
    print(
      "W-FPN: image \(FPNWorkload.image), \(workload.anchors.count) anchors, \(gt) GT boxes (seed \(seed)), "
        + "\(report.threads) threads, median of \(`repeat`) runs after 1 warm-up")
    print("kernels: \(KernelVariant.active.rawValue) (build target \(Self.buildTarget))")
    if let peer, let compiler = peer.compiler {
      print("peer: \(peer.tool) eager; compiled: \(compiler), compile time excluded")
    }
    let compiled = peer?.compiled_stages
    var rows = [
      ["stage", "detkit ms", "min ms"]
        + (peer.map { ["\($0.tool) ms", "peer/detkit"] } ?? [])
        + (compiled != nil ? ["compiled ms", "compiled/detkit", "compile s"] : [])
    ]
    for name in order {
      let mine = report.stages[name]!
      var row = [name, Self.format(mine.median_ms), Self.format(mine.min_ms ?? mine.median_ms)]
      if let peer {
        row += [
          peer.stages[name].map { Self.format($0.median_ms) } ?? "-",
          report.speedup?[name].map { "\($0)x" } ?? "-",
        ]
      }
      if let compiled {
        let theirs = compiled[name]
        row += [
          theirs?.median_ms.map(Self.format) ?? (theirs?.error != nil ? "error" : "-"),
          report.speedup_compiled?[name].map { "\($0)x" } ?? "-",
          theirs?.compile_ms.map { String(format: "%.1f", $0 / 1000) } ?? "-",
        ]
      }
      rows.append(row)
    }
    let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
    for row in rows {
      print(
        row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
          .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
    }
  }

  /// The Swift compiler's target architecture and the C kernels' baseline instruction set.
  static var buildTarget: String {
    #if arch(x86_64)
      let arch = "x86_64"
    #elseif arch(arm64)
      let arch = "arm64"
    #else
      let arch = "other"
    #endif
    return
      "\(arch), C kernels \(KernelVariant.buildTarget), supported \(KernelVariant.supported.map(\.rawValue).joined(separator: " "))"
  }

  /// `theirs / mine` to two decimals.
  private static func ratio(_ theirs: Double, _ mine: Double) -> Double {
    ((theirs / mine) * 100).rounded() / 100
  }

  private static func format(_ ms: Double) -> String {
    String(format: ms < 10 ? "%.3f" : "%.1f", ms)
  }

  /// Reads a peer report; a missing or malformed file is a runtime failure naming it.
  private static func loadPeer(_ path: String) throws -> BenchReport {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw PipelineError(.badInput, at: "--compare \(path)", "cannot read the file")
    }
    do {
      return try JSONDecoder().decode(BenchReport.self, from: data)
    } catch let DecodingError.keyNotFound(key, context) {
      let keyPath = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
      throw PipelineError(.badInput, at: "--compare \(path)", "missing key '\(keyPath)'")
    } catch {
      throw PipelineError(
        .badInput, at: "--compare \(path)", "not a peer_bench.py JSON report (\(error))")
    }
  }
}
