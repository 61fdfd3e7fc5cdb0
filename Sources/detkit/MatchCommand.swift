import ArgumentParser
import DetGeometry
import DetMatching
import DetPipeline
import DetTensorIO
import Foundation

/// `detkit match`: assign ground-truth boxes to anchors and write the per-anchor matches.
struct MatchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "match",
    abstract: "Match ground-truth boxes to anchors (max-IoU or ATSS); write int64 match indices.",
    discussion: """
      Anchors come from an NPY file [N,4] (--anchors) or a preset grid \
      (--preset with --image); ground truth is an NPY file [M,4], float32 \
      or float64, xyxy pixels. The output NPY is int64 [N]: the matched \
      ground-truth row (>= 0), -1 background, -2 ignore (torchvision's \
      Matcher encoding). Preset grids use the grid-aware sparse matcher \
      (never the M x N matrix); --anchors files are matched densely.

      --policy (max-iou):
        torchvision  own-argmax ties, exact ==, best IoU 0 ties everything
        detectron2   same indices as torchvision
        mmdetection  MaxIoUAssigner: ties forced to the box, later boxes
                     overwrite, --min-pos-iou
        detectron    RetinaNet: low-quality positives below --low reset
        detkit       (default) torchvision plus two guards: a box whose
                     best IoU is 0 makes no match; ties within 1e-5
      --assigner atss: mmdetection's ATSSAssigner (--topk per level); \
      --atss-fallback gives a box left without a positive its best \
      candidate (not in mmdetection). \
      --stats prints a JSON summary (to stderr when matches go to stdout).

      Examples:
        detkit match --preset fpn --image 800x1344 --compat torchvision \\
          --gt gt.npy --low-quality --policy torchvision --output m.npy --stats
        detkit match --anchors a.npy --gt gt.npy --high 0.5 --low 0.4 --stats
        detkit match --preset retinanet --image 800x1344 --gt gt.npy \\
          --ignore crowd.npy --assigner atss --output m.npy
      """)

  @Option(help: "Anchors NPY file [N,4] (float32 or float64, xyxy).")
  var anchors: String?

  @Option(help: "Anchor preset instead of --anchors: fpn or retinanet.")
  var preset: PresetOption?

  @Option(help: "Image (padded canvas) size HxW for --preset.")
  var image: ImageSize?

  @OptionGroup var anchorOptions: AnchorOptions

  @Option(help: "Ground-truth NPY file [M,4] (float32 or float64, xyxy).")
  var gt: String

  @Option(help: "Ignore regions (crowd boxes) NPY file [R,4].")
  var ignore: String?

  @Option(
    help:
      "IoF (intersection over anchor area) above which an anchor in an ignore region is ignored.")
  var ignoreIof: Float = 0.5

  @Option(help: "IoU at or above which an anchor is positive (max-iou).")
  var high: Float = 0.7

  @Option(help: "IoU below which an anchor is background (max-iou).")
  var low: Float = 0.3

  @Flag(help: "Keep each box's best anchors (ties included) positive (max-iou).")
  var lowQuality = false

  @Option(help: "Labelling rule: torchvision, detectron2, mmdetection, detectron, detkit.")
  var policy: PolicyOption = .detkit

  @Option(help: "mmdetection min_pos_iou for --policy mmdetection.")
  var minPosIou: Float = 0

  @Option(help: "Assigner: max-iou or atss.")
  var assigner: AssignerOption = .maxIoU

  @Option(help: "ATSS candidates per level and box.")
  var topk: Int = 9

  @Flag(help: "ATSS: give a box left without a positive its best candidate.")
  var atssFallback = false

  @Option(help: "ATSS with --anchors: anchors per level, comma-separated (default: one level).")
  var levels: NumberList?

  @Flag(help: "Skip degenerate ground-truth rows (reported in --stats) instead of failing.")
  var skipDegenerate = false

  @Option(help: "Output NPY file for the int64 [N] matches, or - for stdout.")
  var output: String?

  @Flag(help: "Print a JSON summary: counts, unmatched and skipped boxes, each box's best IoU.")
  var stats = false

  func validate() throws {
    switch (anchors, preset) {
    case (nil, nil): throw ValidationError("give --anchors FILE or --preset with --image")
    case (.some, .some): throw ValidationError("--anchors and --preset are exclusive")
    case (nil, .some(let preset)):
      guard let image else { throw ValidationError("--preset needs --image HxW") }
      do {
        _ = try AnchorGenerator(
          preset: preset.preset, compatibility: anchorOptions.compat.compatibility
        )
        .checkedAnchorCount(for: image)
      } catch {
        throw ValidationError("--image \(error)")
      }
    case (.some, nil):
      if image != nil { throw ValidationError("--image goes with --preset, not --anchors") }
    }
    guard low >= 0, low <= high, high.isFinite else {
      throw ValidationError("need 0 <= --low <= --high, got --low \(low) --high \(high)")
    }
    guard ignoreIof > 0, ignoreIof.isFinite else {
      throw ValidationError("--ignore-iof must be positive, got \(ignoreIof)")
    }
    guard minPosIou >= 0, minPosIou.isFinite else {
      throw ValidationError("--min-pos-iou must be >= 0, got \(minPosIou)")
    }
    guard topk >= 1 else { throw ValidationError("--topk must be >= 1, got \(topk)") }
    if let levels, !levels.values.allSatisfy({ $0 >= 0 && $0 == $0.rounded() }) {
      throw ValidationError("--levels must be non-negative integers")
    }
    if output == nil && !stats {
      throw ValidationError("nothing to write: give --output FILE (or -) and/or --stats")
    }
    if output == "-" && isatty(STDOUT_FILENO) != 0 {
      throw ValidationError("refusing to write binary NPY to a terminal; give --output FILE")
    }
  }

  func run() throws {
    do {
      try match()
    } catch MatchingError.degenerateGroundTruth(let index, let box) {
      // The library's message names its API (`DegenerateGroundTruth.skip`); a CLI user
      // needs the flag.
      throw PipelineError(
        .badArray, at: "--gt \(gt)",
        "ground truth row \(index): box [\(box.x1), \(box.y1), \(box.x2), \(box.y2)]"
          + " is degenerate; expected finite x2 > x1 and y2 > y1"
          + " (give --skip-degenerate to skip such rows)")
    }
  }

  private func match() throws {
    let groundTruth = try Self.readBoxes(gt, option: "--gt")
    let regions = try ignore.map { try Self.readBoxes($0, option: "--ignore") } ?? BoxArray()
    let result: MatchResult
    let sparse: Bool
    let degenerate: DegenerateGroundTruth = skipDegenerate ? .skip : .throwError
    let iof: Float? = ignore == nil ? nil : ignoreIof
    switch assigner {
    case .maxIoU:
      let matcher = IoUMatcher(
        high: high, low: low, allowsLowQualityMatches: lowQuality,
        policy: policy.policy(minPositiveIoU: minPosIou),
        degenerateGroundTruth: degenerate, ignoreIoFThreshold: iof)
      if let preset, let image {
        let grid = anchorOptions.generator(preset).anchors(for: image)
        let index = GridAnchorIndex(grid)
        sparse = index.isGridAligned
        result = try matcher.match(groundTruth: groundTruth, in: index, ignoreRegions: regions)
      } else {
        sparse = false
        result = try matcher.match(
          groundTruth: groundTruth, anchors: try Self.readBoxes(anchors!, option: "--anchors"),
          ignoreRegions: regions)
      }
    case .atss:
      let atss = ATSSAssigner(
        topK: topk, fallsBackToBestCandidate: atssFallback, degenerateGroundTruth: degenerate,
        ignoreIoFThreshold: iof)
      sparse = false
      if let preset, let image {
        let grid = anchorOptions.generator(preset).anchors(for: image)
        result = try atss.assign(groundTruth: groundTruth, grid: grid, ignoreRegions: regions)
      } else {
        let boxes = try Self.readBoxes(anchors!, option: "--anchors")
        let counts = levels?.values.map { Int($0) } ?? [boxes.count]
        guard counts.reduce(0, +) == boxes.count else {
          throw PipelineError(
            .badArray, at: "",
            "--levels sum to \(counts.reduce(0, +)) but \(anchors!) holds \(boxes.count) anchors")
        }
        result = try atss.assign(
          groundTruth: groundTruth, anchors: boxes, levelCounts: counts, ignoreRegions: regions)
      }
    }
    if let output {
      try writeNPY(
        Tensor(shape: [result.matches.count], int64: result.matches.map { Int64($0) }), to: output)
    }
    if stats {
      let text =
        Self.json(
          result, anchors: result.matches.count, groundTruth: groundTruth.count, sparse: sparse)
        + "\n"
      if output == "-" {
        FileHandle.standardError.write(Data(text.utf8))
      } else {
        print(text, terminator: "")
      }
    }
  }

  /// Reads an `[M, 4]` float NPY file (or an empty `[0]` / `[0, 4]` one) as boxes.
  static func readBoxes(_ path: String, option: String) throws -> BoxArray {
    let tensor = try NPYFile.read(contentsOf: URL(fileURLWithPath: path))
    guard tensor.dtype.isFloatingPoint else {
      throw PipelineError(
        .badArray, at: "",
        "\(option) \(path): expected float32 or float64 boxes, got \(tensor.dtype.rawValue)")
    }
    guard (tensor.shape.count == 2 && tensor.shape[1] == 4) || tensor.shape == [0] else {
      throw PipelineError(
        .badArray, at: "", "\(option) \(path): expected shape [M, 4], got \(tensor.shape)")
    }
    return BoxArray(flat: try tensor.asFloat32())
  }

  /// The `--stats` summary, keys in a fixed order.
  static func json(_ result: MatchResult, anchors: Int, groundTruth: Int, sparse: Bool) -> String {
    let s = result.statistics
    let value: JSONValue = [
      "anchors": .int(anchors), "groundTruth": .int(groundTruth), "sparse": .bool(sparse),
      "positives": .int(s.positives), "negatives": .int(s.negatives), "ignored": .int(s.ignored),
      "unmatchedGroundTruth": .array(s.unmatchedGroundTruth.map { .int($0) }),
      "skippedGroundTruth": .array(s.skippedGroundTruth.map { .int($0) }),
      "bestIoU": .array(s.bestIoU.map { .float($0) }),
    ]
    return value.text(.line)
  }
}

/// `--policy` values.
enum PolicyOption: String, ExpressibleByArgument, CaseIterable {
  case torchvision, detectron2, mmdetection, detectron, detkit

  func policy(minPositiveIoU: Float) -> MatchPolicy {
    switch self {
    case .torchvision: .torchvision
    case .detectron2: .detectron2
    case .mmdetection: .mmdetection(minPositiveIoU: minPositiveIoU, assignsAllTies: true)
    case .detectron: .detectron
    case .detkit: .detkit
    }
  }
}

/// `--assigner` values.
enum AssignerOption: String, ExpressibleByArgument, CaseIterable {
  case maxIoU = "max-iou"
  case atss
}
