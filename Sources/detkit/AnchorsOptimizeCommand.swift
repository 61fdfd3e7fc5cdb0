import ArgumentParser
import DetGeometry
import DetMatching
import DetPipeline
import DetSupport
import Foundation

/// `detkit anchors optimize`: anchor sizes and ratios fitted to a stored dataset.
struct AnchorsOptimizeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "optimize",
    abstract: "Fit anchor sizes and aspect ratios to a dataset under the matcher that trains.",
    discussion: """
      Keeps the structure of --preset (or of --anchor-config FILE): levels, strides, sizes \
      x ratios per level and the --compat arithmetic (--types-per-level K changes the \
      sizes per level to K / ratios, spaced by octave scales from the smallest), and \
      searches the sizes and ratios \
      (seeded by --seed; the same seed gives the same result) to maximise, on the resized \
      dataset with the real grids: first the share of non-crowd boxes that get a positive \
      anchor without the matcher's low-quality rescue ("covered"), then the mean best \
      IoU, then an even spread of positives (coefficient of variation of positives per \
      box, lower is better). The matcher is --matcher's (default: the preset's).

      The search starts from the better of the preset and the k-means (IoU distance) \
      baseline and keeps only improvements, so the result never scores below either. \
      With --sample-images N it searches on a seeded sample of N images; the table's \
      scores are then computed on every box, and the best of preset, k-means and fitted \
      on every box is the result. BPR(4) and AAT are YOLOv5's best possible recall and \
      anchors above threshold (shape-only, threshold 4) on the same boxes.

      Output: the table, the before / after coverage by size bucket as `detkit \
      coverage` counts it (low-quality rescue on; --svg FILE charts it by log2 bin), then \
      snippets for torchvision, detectron2 and mmdetection; --output FILE writes the \
      fitted configuration, loadable by --anchor-config. \
      mmdetection shares ratios and scales across levels: --shared-ratios restricts the \
      search to what it can load (per-level base sizes only).

      Example:
        detkit anchors optimize --db store.sqlite --name demo --preset retinanet \\
          --iterations 200 --seed 1 --output fitted.json
      """)

  @OptionGroup var options: PipelineOptions

  @Option(help: "Mutation rounds of the search.")
  var iterations = 100

  @Option(help: "Seed of the search (k-means++ and the mutations).")
  var seed: UInt64 = 0

  @Option(
    help:
      "Anchor types per level (a multiple of the base's ratio count; default: the base's)."
  )
  var typesPerLevel: Int?

  @Flag(help: "One ratio list and one set of relative scales for every level (mmdetection).")
  var sharedRatios = false

  @Option(
    help: """
      Search on a seeded sample of this many images (final scores on every box). Default: \
      every image, or \(Self.automaticSample) when the dataset has more than \
      \(Self.automaticSampleAbove).
      """)
  var sampleImages: Int?

  /// Images a large dataset's search samples when --sample-images is not given.
  static let automaticSample = 2_000
  /// Datasets with more images than this are sampled by default.
  static let automaticSampleAbove = 10_000

  @Option(help: "Write the fitted configuration (JSON, loadable by --anchor-config) here.")
  var output: String?

  @Option(help: "Also write an SVG of the before / after coverage by log2 size bin here.")
  var svg: String?

  @OptionGroup var progressOptions: ProgressOptions

  @OptionGroup var parallel: ParallelOptions

  func validate() throws {
    _ = try options.matcherChoice()
    guard iterations >= 0 else {
      throw ValidationError("--iterations must be >= 0, got \(iterations)")
    }
    if let typesPerLevel {
      let ratios = try options.generator.aspectRatios(ofLevel: 0).count
      guard typesPerLevel >= 1, typesPerLevel % ratios == 0 else {
        throw ValidationError(
          "--types-per-level must be a positive multiple of the \(ratios) aspect ratios per level, got \(typesPerLevel)"
        )
      }
    }
    if let sampleImages, sampleImages < 1 {
      throw ValidationError("--sample-images must be >= 1, got \(sampleImages)")
    }
  }

  func run() throws {
    let all = try AnchorFitBoxes(walker: options.walker())
    let sampleCount =
      sampleImages
      ?? (all.imageCount > Self.automaticSampleAbove ? Self.automaticSample : nil)
    let sampled = sampleCount.map { $0 < all.imageCount } ?? false
    let searched = sampled ? all.sample(images: sampleCount!, seed: seed) : all
    let matcherName = try options.matcherChoice()
    var base = try options.generator
    if let typesPerLevel {
      base = AnchorSearch.base(
        base, sizesPerLevel: typesPerLevel / base.aspectRatios(ofLevel: 0).count)
    }
    let search = AnchorSearch(
      base: base, matcher: matcherName.matcher, sharesRatios: sharedRatios,
      iterations: iterations, seed: seed, threads: parallel.threads)
    // One step per configuration scored, then (sampled) three scorings on every box and
    // the two coverage passes.
    let steps = iterations + 2 + (sampled ? 3 : 0) + 2
    let bar = progressOptions.bar(
      "optimizing anchors of \(options.name)", unit: .records, total: steps)
    defer { bar.finish() }
    var done = 0
    func step() {
      done += 1
      bar.update(WorkProgress(done: done, total: steps, unit: .records))
    }
    var result = try search.run(on: searched) { _, _ in step() }
    let sampleScore = result.bestScore
    if sampled {
      let m = search.matcher
      result.baseScore = try all.objective(of: result.base, matcher: m, threads: parallel.threads)
      step()
      result.kMeansScore = try all.objective(
        of: result.kMeans, matcher: m, threads: parallel.threads)
      step()
      result.bestScore = try all.objective(of: result.best, matcher: m, threads: parallel.threads)
      step()
      for (g, s) in [(result.base, result.baseScore), (result.kMeans, result.kMeansScore)]
      where s.isBetter(than: result.bestScore) {
        (result.best, result.bestScore) = (g, s)
      }
    }
    // Before / after as `detkit coverage` counts (the matcher with its low-quality rescue).
    let walker = try options.walker()
    let before = try AnchorCoverage(
      of: walker, generator: result.base, matcher: matcherName.matcher,
      threads: parallel.threads)
    step()
    let after = try AnchorCoverage(
      of: walker, generator: result.best, matcher: matcherName.matcher,
      threads: parallel.threads)
    step()
    bar.finish()
    let baseName = options.anchorSource + (typesPerLevel.map { " K=\($0)" } ?? "")
    print(
      Self.table(
        result, boxes: all, options: options, matcher: matcherName, baseName: baseName),
      terminator: "")
    if sampled {
      let auto = sampleImages == nil ? "; automatic above \(Self.automaticSampleAbove) images" : ""
      let se = sampleScore.coveredShareStandardError(populationImages: all.imageCount)
      print(
        String(
          format:
            "searched on a seeded sample of %d of %d images (%d boxes\(auto)): the fitted anchors' covered share there %.2f%% ± %.2f%% (standard error of the full share's estimate, images as sampling units); on every box %.2f%%",
          searched.imageCount, all.imageCount, sampleScore.boxes,
          100 * sampleScore.coveredShare, 100 * se, 100 * result.bestScore.coveredShare))
    }
    print(Self.beforeAfter(before, after, baseName: baseName), terminator: "")
    if let svg {
      try Data(
        Self.svg(before, after, title: "\(options.name): \(options.anchorSource) vs fitted").utf8
      )
      .write(to: URL(fileURLWithPath: svg))
    }
    for framework in AnchorGenerator.Framework.allCases {
      print("\n# \(framework.rawValue)")
      print(result.best.snippet(for: framework).text, terminator: "")
    }
    if let output {
      var out = try BufferedTextWriter(path: output)
      out.write(result.best.configurationJSON)
      try out.close()
    }
  }

  /// Coverage rows (buckets, then all) of the base and the fitted anchors side by side.
  static func beforeAfter(_ before: AnchorCoverage, _ after: AnchorCoverage, baseName: String)
    -> String
  {
    var out =
      "coverage (low-quality rescue on), \(baseName.count > 20 ? "base" : baseName) -> fitted:\n"
    out +=
      "size      boxes  "
      + ["IoU>=.5", "IoU>=.7", "meanIoU"].map {
        $0.padding(toLength: $0 == "meanIoU" ? 16 : 18, withPad: " ", startingAt: 0)
      }.joined() + "no-pos\n"
    for (b, a) in zip(before.buckets + [before.all], after.buckets + [after.all]) {
      out += b.name.padding(toLength: 8, withPad: " ", startingAt: 0)
      out += String(
        format: "%7d  %5.1f%% -> %5.1f%%  %5.1f%% -> %5.1f%%  %.3f -> %.3f  %5.1f%% -> %5.1f%%\n",
        b.count, 100 * b.share05, 100 * a.share05, 100 * b.share07, 100 * a.share07,
        b.meanBestIoU, a.meanBestIoU, 100 * b.shareWithoutPositive,
        100 * a.shareWithoutPositive)
    }
    return out
  }

  /// Grouped bars per non-empty log2 bin: the share with best IoU >= 0.5 before and after.
  static func svg(_ before: AnchorCoverage, _ after: AnchorCoverage, title: String) -> String {
    let rows = zip(before.bins, after.bins).filter { $0.0.count > 0 }
    return GroupedBarChart(
      title: title,
      caption:
        "share of boxes with best anchor IoU ≥ 0.5, by box side sqrt(area) (log2 bins)",
      groups: rows.map { .init(label: $0.0.name, count: $0.0.count) },
      series: [
        .init(name: "before", color: "#bab0ac", values: rows.map(\.0.share05)),
        .init(name: "fitted", color: "#4e79a7", values: rows.map(\.1.share05)),
      ]
    ).svg
  }

  /// The before / after table: objective and YOLOv5 figures of preset, k-means and fitted.
  static func table(
    _ r: AnchorSearch.Result, boxes: AnchorFitBoxes, options: PipelineOptions,
    matcher: MatcherOption, baseName: String
  ) -> String {
    let m = matcher.matcher
    var out =
      "anchors of \(options.name): \(boxes.imageCount) images, \(r.bestScore.boxes) boxes"
    out += r.bestScore.skipped > 0 ? " (\(r.bestScore.skipped) degenerate skipped)\n" : "\n"
    out +=
      "matcher \(matcher.rawValue) \(m.highThreshold)/\(m.lowThreshold) without low-quality rescue, "
      + "\(r.evaluations) configurations scored\n"
    out += "anchors         covered  meanIoU  spread  pos/box  BPR(4)     AAT\n"
    let shapes = boxes.shapes
    for (name, g, s) in [
      (baseName, r.base, r.baseScore), ("k-means", r.kMeans, r.kMeansScore),
      ("fitted", r.best, r.bestScore),
    ] {
      let yolo = AnchorShapeMetrics.bestPossibleRecall(
        boxes: shapes, anchors: AnchorShapeMetrics.shapes(of: g))
      let label = name.count > 14 ? String(name.suffix(14)) : name
      out += label.padding(toLength: 14, withPad: " ", startingAt: 0)
      out += String(
        format: "  %6.1f%%  %7.3f  %6.3f  %7.2f  %5.1f%%  %6.2f\n", 100 * s.coveredShare,
        s.meanBestIoU, s.positiveSpread, s.meanPositives, 100 * yolo.bpr,
        yolo.anchorsAboveThreshold)
    }
    out += "fitted sizes / ratios per level:\n"
    for l in r.best.levels.indices {
      let sizes = r.best.sizes(ofLevel: l).map { String(format: "%.1f", $0) }
      let ratios = r.best.aspectRatios(ofLevel: l).map { String(format: "%.3g", $0) }
      out +=
        "  \(r.best.levels[l].name) stride \(r.best.levels[l].stride): sizes "
        + sizes.joined(separator: ", ") + "; ratios " + ratios.joined(separator: ", ") + "\n"
    }
    return out
  }
}
