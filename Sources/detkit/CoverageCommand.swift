import ArgumentParser
import DetGeometry
import DetMatching
import DetPipeline
import DetStore
import DetSupport
import Foundation

/// `detkit coverage`: how well an anchor preset fits a stored dataset.
struct CoverageCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "coverage",
    abstract:
      "Anchor coverage of a dataset: best-anchor IoU and positives per size bucket and log2 bin.",
    discussion: """
      Each image is resized per --resize (default torchvision: shorter side 800, longer at \
      most 1333) and the preset's anchors (or those of --anchor-config FILE) cover its \
      canvas padded to 32. Crowd boxes are left out. Per COCO bucket of the resized box \
      area (small < 32², medium < 96², large) and per log2 bin of the box side \
      sqrt(area): the share of boxes whose best anchor IoU reaches 0.5 and 0.7, the mean \
      best IoU, the positive anchors per box (mean, median, share with none) under the \
      matcher, and each level's share of the positives. The matcher is --matcher's, by \
      default the preset's (fpn: rpn 0.7/0.3, retinanet: 0.5/0.4, both with low-quality \
      matches); with --anchor-config, --matcher must be given. --high/--low override its \
      thresholds. Matching is the grid-aware sparse matcher.

      Size classes (COCO's small < 32², medium < 96², large, and the log2 bins) read \
      the stored `area` scaled by the resize by default (--area stored, as COCO \
      evaluation and stats do), with a warning when stored areas exceed their boxes; \
      --area box reads the resized box's width x height instead (the size the anchors \
      must fit; use it where stored areas are not the objects', as in VisDrone).

      Example:
        detkit coverage --db store.sqlite --name demo --preset retinanet \\
          --svg coverage.svg
        detkit coverage --db store.sqlite --name demo \\
          --anchor-config fitted.json --matcher retinanet
      """)

  @OptionGroup var options: PipelineOptions

  @Option(help: "IoU at or above which an anchor is positive (default: the preset's).")
  var high: Float?

  @Option(help: "IoU below which an anchor is background (default: the preset's).")
  var low: Float?

  @Flag(help: "Print JSON instead of the table.")
  var json = false

  @Option(help: "Also write an SVG bar chart of the log2 bins to this file.")
  var svg: String?

  @Option(
    help:
      "What the size classes read: stored (the stored area, resized) or box (the resized box's width x height)."
  )
  var area: AreaSource = .stored

  @OptionGroup var progressOptions: ProgressOptions

  @OptionGroup var parallel: ParallelOptions

  func validate() throws {
    let m = try options.matcherChoice().matcher
    let (h, l) = (high ?? m.highThreshold, low ?? m.lowThreshold)
    guard h.isFinite, l >= 0, l <= h else {
      throw ValidationError("need 0 <= --low <= --high, got --low \(l) --high \(h)")
    }
  }

  func run() throws {
    let bar = progressOptions.bar("coverage of \(options.name)")
    defer { bar.finish() }
    let coverage = try Self.compute(
      options, high: high, low: low, area: area, threads: parallel.threads, progress: bar.update)
    bar.finish()
    if coverage.areasAboveBox > 0 {
      printError(
        "warning: \(coverage.areasAboveBox) of \(coverage.all.count) stored areas exceed their box's width x height, so they are not the objects' areas (VisDrone's COCO files store the image size); --area box classes boxes by their own size"
      )
    }
    if json {
      printJSON(Self.jsonObject(coverage, options: options))
    } else {
      print(Self.table(coverage, options: options), terminator: "")
    }
    if let svg {
      try Data(
        Self.svg(coverage, title: "\(options.name): \(options.anchorSource) anchors").utf8
      )
      .write(to: URL(fileURLWithPath: svg))
    }
  }

  /// Walks the dataset and accumulates coverage under the preset's matcher, with
  /// `--high` / `--low` overriding its thresholds.
  static func compute(
    _ options: PipelineOptions, high: Float? = nil, low: Float? = nil, area: AreaSource = .stored,
    threads: Int? = nil, progress: WorkProgressHandler? = nil
  ) throws -> AnchorCoverage {
    var matcher = try options.matcherChoice().matcher
    if let high { matcher.highThreshold = high }
    if let low { matcher.lowThreshold = low }
    return try AnchorCoverage(
      of: options.walker(), generator: try options.generator, matcher: matcher, area: area,
      threads: threads, progress: progress)
  }

  static func percent(_ v: Double) -> String { String(format: "%5.1f%%", 100 * v) }

  /// The text table: one row per bucket, then per bin.
  static func table(_ c: AnchorCoverage, options: PipelineOptions) -> String {
    var out =
      "coverage of \(options.name): \(c.images) images, \(c.all.count) boxes (crowd left out"
    out += c.skipped > 0 ? ", \(c.skipped) degenerate skipped)\n" : ")\n"
    out +=
      "anchors \(options.anchorSource) (\(options.compatName)), resize \(options.resize.rawValue), "
    out +=
      "matcher high \(c.matcher.highThreshold) low \(c.matcher.lowThreshold) low-quality \(c.matcher.allowsLowQualityMatches)\n"
    let levelHeader = c.levelNames.map { $0.padding(toLength: 6, withPad: " ", startingAt: 0) }
      .joined()
    out +=
      "size      boxes  IoU>=.5  IoU>=.7  meanIoU  pos/box  median  no-pos  \(levelHeader)"
      .trimmingCharacters(in: .whitespaces) + "\n"
    func line(_ r: AnchorCoverage.Row) -> String {
      var s = r.name.padding(toLength: 8, withPad: " ", startingAt: 0)
      s += String(format: "%7d", r.count)
      s += "  " + percent(r.share05) + "   " + percent(r.share07)
      s += String(
        format: "   %6.3f   %6.2f  %6.1f", r.meanBestIoU, r.positivesMean, r.positivesMedian)
      s += "  " + percent(r.shareWithoutPositive) + "  "
      s += r.levelShares.map { String(format: "%3.0f%%  ", 100 * $0) }.joined()
      return s.trimmingCharacters(in: .whitespaces) + "\n"
    }
    for r in c.buckets { out += line(r) }
    out += line(c.all)
    out += "log2 bins of sqrt(area):\n"
    for r in c.bins where r.count > 0 { out += line(r) }
    return out
  }

  static func rowObject(_ r: AnchorCoverage.Row, levels: [String]) -> JSONValue {
    [
      "name": .string(r.name), "boxes": .int(r.count), "share_iou_0.5": .double(r.share05),
      "share_iou_0.7": .double(r.share07), "mean_best_iou": .double(r.meanBestIoU),
      "positives_mean": .double(r.positivesMean), "positives_median": .double(r.positivesMedian),
      "share_without_positive": .double(r.shareWithoutPositive), "positives": .int(r.positives),
      "level_shares": .object(zip(levels, r.levelShares).map { (key: $0, value: .double($1)) }),
    ]
  }

  static func jsonObject(_ c: AnchorCoverage, options: PipelineOptions) -> JSONValue {
    [
      "dataset": .string(options.name),
      options.anchors.anchorConfig == nil ? "preset" : "anchor_config": .string(
        options.anchorSource),
      "compat": .string(options.compatName), "resize": .string(options.resize.rawValue),
      "images": .int(c.images), "skipped_degenerate": .int(c.skipped),
      "matcher": [
        "high": .double(Double(c.matcher.highThreshold)),
        "low": .double(Double(c.matcher.lowThreshold)),
        "low_quality": .bool(c.matcher.allowsLowQualityMatches),
      ],
      "all": rowObject(c.all, levels: c.levelNames),
      "buckets": .array(c.buckets.map { rowObject($0, levels: c.levelNames) }),
      "bins": .array(c.bins.map { rowObject($0, levels: c.levelNames) }),
    ]
  }

  /// A grouped bar chart: per non-empty log2 bin, the shares reaching IoU 0.5 and 0.7 and
  /// the share without a positive; box counts under the axis.
  static func svg(_ c: AnchorCoverage, title: String) -> String {
    let rows = c.bins.filter { $0.count > 0 }
    return GroupedBarChart(
      title: title, caption: "box side sqrt(area) in resized pixels (log2 bins)",
      groups: rows.map { .init(label: $0.name, count: $0.count) },
      series: [
        .init(name: "best IoU ≥ 0.5", color: "#4e79a7", values: rows.map(\.share05)),
        .init(name: "best IoU ≥ 0.7", color: "#f28e2b", values: rows.map(\.share07)),
        .init(
          name: "no positive anchor", color: "#e15759", values: rows.map(\.shareWithoutPositive)),
      ]
    ).svg
  }
}
