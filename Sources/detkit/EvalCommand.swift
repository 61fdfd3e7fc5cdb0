import ArgumentParser
import DetEval
import DetPipeline
import DetStore
import DetSupport
import Foundation

/// `detkit eval`: COCO bbox evaluation of a dataset's imported detections.
struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract:
      "COCO bbox evaluation (pycocotools' numbers) of the detections imported for a dataset.",
    discussion: """
      Evaluates the detections `detkit import coco-results` stored for --name (the set \
      --set, which may be left out when the dataset has only one) against the \
      dataset's ground truth exactly as pycocotools' COCOeval (iouType bbox) does: IoU in \
      double precision on the boxes as stored, crowd regions, area ranges on the stored \
      `area`, detections sorted by score with ties in file order, 101 recall points. \
      Prints the 12-line summary in pycocotools' format, or --json with `stats` (the 12 \
      numbers in pycocotools' order) and per-category AP / AR.

      Summary maxDets: by default the AP lines and AR@max use the largest --max-dets, so \
      changing --max-dets changes the summary as one would expect. pycocotools' summarize() \
      always reads maxDets 100 for the first line (-1 when 100 is not among them) and \
      maxDets[0..2] for the others: `--summary pycocotools` reproduces that (-1 where \
      pycocotools raises IndexError). With the default maxDets both agree.

      Explaining the numbers: --per-category adds a table of the categories sorted by AP \
      (highest first, categories without ground truth last; also `per_category_by_ap` in \
      --json). --record RUN stores each image's true positives, false positives, missed \
      ground truth and ignored detections at IoU 0.5, maxDets 100, area all (matched exactly \
      as pycocotools matches: a detection matched to a crowd region is neither a true nor a \
      false positive) as a run that `detkit worst --run RUN` lists, ranked by missed + false \
      positives, highest first. --pr-svg FILE draws the precision-recall curves (mean over \
      categories at IoU 0.5 and 0.75, and those of --pr-categories) as an SVG a browser \
      shows. --arrays adds pycocotools' eval['precision'] and eval['recall'] to --json, as \
      nested lists in its order: precision[T][R][K][A][M] and recall[T][K][A][M] (IoU \
      threshold, recall point, category in ascending id order, area range, maxDets \
      ascending), -1 where no ground truth counts.

      Example:
        detkit import coco-results dets.json --db store.sqlite --name val2017
        detkit eval --db store.sqlite --name val2017
        detkit eval --db store.sqlite --name val2017 --max-dets 1,10,300 --json
        detkit eval --db store.sqlite --name val2017 --set retinanet-r50
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset (its ground truth and imported detections).")
  var name: String

  @Option(
    help: "The detection set to evaluate (needed when the dataset has several; see datasets).")
  var set: String?

  @Option(help: "Detections kept per image and category, comma-separated (default 1,10,100).")
  var maxDets: String?

  @Option(
    help: ArgumentHelp(
      "IoU thresholds: START:STOP:STEP (built as np.linspace builds them) or a comma list.",
      valueName: "thresholds"))
  var iouThresholds: String?

  @Option(
    help: ArgumentHelp(
      "Area ranges as LABEL=LOW:HIGH, comma-separated (default: all=0:1e10, small=0:1024, medium=1024:9216, large=9216:1e10).",
      valueName: "ranges"))
  var areaRanges: String?

  @Option(help: "Evaluate only these category ids (comma-separated).")
  var categories: String?

  @Option(help: "Evaluate only these image ids (comma-separated).")
  var images: String?

  @Flag(help: "Ignore categories: detections match ground truth of any category (useCats=0).")
  var noCategories = false

  @Option(help: "Which maxDets the summary reads: chosen or pycocotools.")
  var summary: SummaryChoice = .chosen

  @Flag(help: "Print JSON: stats, summary lines, per-category AP / AR.")
  var json = false

  @OptionGroup var progressOptions: ProgressOptions

  @Flag(help: "After the summary, print the per-category table sorted by AP.")
  var perCategory = false

  @Flag(
    help:
      "With --json: add pycocotools' precision [T][R][K][A][M] and recall [T][K][A][M] arrays.")
  var arrays = false

  @Option(
    help: ArgumentHelp(
      "Record per-image TP / FP / missed (IoU 0.5, maxDets 100, area all) as a run for `detkit worst`.",
      valueName: "run"))
  var record: String?

  @Option(
    help: ArgumentHelp(
      "Write precision-recall curves (all categories at IoU 0.5 and 0.75) to an SVG file.",
      valueName: "file"))
  var prSVG: String?

  @Option(
    help: ArgumentHelp(
      "Category ids (comma-separated) whose own curves --pr-svg adds.", valueName: "ids"))
  var prCategories: String?

  enum SummaryChoice: String, ExpressibleByArgument, CaseIterable {
    case chosen, pycocotools
  }

  func validate() throws {
    _ = try parameters(imageKey: { _ in 0 }, categoryKey: { _ in 0 })
    if arrays && !json { throw ValidationError("--arrays needs --json") }
    if prCategories != nil && prSVG == nil {
      throw ValidationError("--pr-categories needs --pr-svg FILE")
    }
    if prCategories != nil && noCategories {
      throw ValidationError("--pr-categories cannot be used with --no-categories")
    }
    if let record, record.isEmpty { throw ValidationError("--record needs a run name") }
  }

  func run() throws {
    // --record writes a run into the store; otherwise nothing is written.
    let store = try AnnotationStore(path: db, mode: record == nil ? .readOnly : .existing)
    let set = try store.resolveDetectionSet(set, of: name)
    var input = try EvalStoreInput(store: store, dataset: name, set: set)
    let parameters = try parameters(
      imageKey: { input.imageKey($0) }, categoryKey: { input.categoryKey($0) })
    if input.detections.isEmpty {
      printError(
        "warning: dataset \(name) has no detections (import them with `detkit import coco-results FILE --db \(db) --name \(name)`); every AP and AR is 0"
      )
    }
    let evaluation: COCOEvaluation
    let bar = progressOptions.bar("evaluating \(set) of \(name)", unit: .steps)
    defer { bar.finish() }
    do {
      evaluation = try COCOEvaluator(parameters: parameters).evaluate(
        images: input.images, categories: input.categories, groundTruth: input.groundTruth,
        detections: input.takeDetections(), imageCounts: record == nil ? nil : .standard,
        progress: bar.update)
      bar.finish()
    } catch let error as EvalError where error.code != .invalidParameters {
      throw EvalInputError(
        dataset: name, kind: error.code == .unknownImages ? "image" : "category",
        unknown: UnknownIDs(
          sample: error.ids.map { .int($0) }, distinctCount: error.distinctCount,
          count: error.detectionCount))
    }
    let convention: SummaryConvention = summary == .chosen ? .chosen : .pycocotools
    let result = evaluation.summary(convention)
    let unset = result.stats.filter { $0 == -1 }.count
    if unset > 0 {
      printError(
        "note: \(unset) of the 12 stats are -1, as pycocotools reports a setting in which no ground truth counts (no annotation of that area range, or only crowd regions)"
          + (convention == .pycocotools
            ? ", or a maxDets its summarize() does not read (it reads 100 for the first line)" : "")
      )
    }
    if let prSVG { try writeCurves(evaluation, input: input, to: prSVG) }
    if let record { try recordCounts(evaluation, input: input, store: store, run: record) }
    if json {
      printJSON(jsonReport(evaluation, summary: result, input: input))
    } else {
      var text = result.text(iouThresholds: evaluation.parameters.iouThresholds)
      if perCategory { text += "\n" + categoryTable(evaluation, input: input) }
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }

  /// The per-category table, sorted by AP.
  private func categoryTable(_ evaluation: COCOEvaluation, input: EvalStoreInput) -> String {
    let rows = evaluation.categoriesByAveragePrecision()
    let maxDets = evaluation.parameters.maxDetections.last ?? 0
    var out =
      "Per category (area all, maxDets \(maxDets)), by AP; -1: no ground truth that counts\n"
    let names = rows.map { row in
      input.categoryRecord(row.categoryID).map { input.categoryNames[$0] ?? "" } ?? "(all)"
    }
    let ids = rows.map { row in
      input.categoryRecord(row.categoryID)?.description ?? String(row.categoryID)
    }
    let idWidth = max(2, ids.map(\.count).max() ?? 0)
    let nameWidth = min(32, max(4, names.map(\.count).max() ?? 0))
    func pad(_ text: String, _ width: Int) -> String {
      text.count >= width
        ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
    }
    out +=
      "rank  " + pad("id", idWidth) + "  " + pad("name", nameWidth)
      + "      AP    AP50    AP75      AR\n"
    for (n, row) in rows.enumerated() {
      out +=
        String(format: "%4d  ", n + 1) + pad(ids[n], idWidth) + "  " + pad(names[n], nameWidth)
        + String(
          format: "  %6.3f  %6.3f  %6.3f  %6.3f\n", row.averagePrecision, row.precisionAt50,
          row.precisionAt75, row.averageRecall)
    }
    return out
  }

  /// Writes the precision-recall SVG: all categories at IoU 0.5 and 0.75, then each chosen
  /// category at both.
  private func writeCurves(_ evaluation: COCOEvaluation, input: EvalStoreInput, to path: String)
    throws
  {
    var chosen: [Int64] = []
    if let prCategories {
      let ids = try list(prCategories, option: "--pr-categories") { RecordID(canonicalizing: $0) }
      chosen = try ids.map {
        guard let key = input.categoryKey($0), evaluation.categorySlots.contains(key) else {
          throw ValidationError("--pr-categories: category \($0) is not evaluated")
        }
        return key
      }
    }
    var curves: [PrecisionRecallCurve] = []
    var skipped: [String] = []
    for category in [nil] + chosen.map(Optional.some) {
      for iou in [0.5, 0.75] {
        let what: String
        if let category, let id = input.categoryRecord(category) {
          what = "\(input.categoryNames[id] ?? "") (id \(id))"
        } else {
          what = "all categories"
        }
        let label = what + String(format: " @ IoU %.2f", iou)
        if let curve = evaluation.precisionRecallCurve(
          iouThreshold: iou, categoryID: category, label: label)
        {
          curves.append(curve)
        } else {
          skipped.append(label)
        }
      }
    }
    if !skipped.isEmpty {
      printError(
        "warning: --pr-svg: no curve for \(skipped.joined(separator: ", ")) (IoU threshold not evaluated, or no ground truth that counts)"
      )
    }
    let chart = PrecisionRecallChart(
      title:
        "Precision-recall, dataset \(name) (area all, maxDets \(evaluation.parameters.maxDetections.last ?? 0))",
      curves: curves)
    do {
      let file = try OutputFile(path: path)
      try file.write(chart.svg())
      try file.commit()
    } catch {
      throw ValidationError("--pr-svg: cannot write \(path): \(error)")
    }
  }

  /// Records the per-image counts as run `run` (missed as `classification`, false positives as
  /// `box`, so `worst` ranks by missed + false positives).
  private func recordCounts(
    _ evaluation: COCOEvaluation, input: EvalStoreInput, store: AnnotationStore, run: String
  ) throws {
    let records = evaluation.imageCounts.compactMap { counts -> ImageLossRecord? in
      guard let image = input.imageRecord(counts.imageID) else { return nil }
      return ImageLossRecord(
        imageID: image.id, fileName: image.fileName, classification: Double(counts.missed),
        box: Double(counts.falsePositives), positives: counts.truePositives,
        ignored: counts.ignored)
    }
    try store.recordLossRun(
      named: run, dataset: name, head: EvalStoreInput.recordedHead, records: records)
    printError(
      "recorded per-image counts of \(records.count) image(s) as run \(run): detkit worst --db \(db) --run \(run)"
    )
  }

  /// The evaluation parameters from the options; ids become the keys `input` gives them.
  private func parameters(
    imageKey: (RecordID) -> Int64?, categoryKey: (RecordID) -> Int64?
  ) throws -> COCOEvalParameters {
    var p = COCOEvalParameters()
    if let maxDets {
      p.maxDetections = try list(maxDets, option: "--max-dets") {
        Int($0).flatMap { $0 >= 1 ? $0 : nil }
      }
    }
    if let iouThresholds {
      let parts = iouThresholds.split(separator: ":", omittingEmptySubsequences: false)
      if parts.count == 3 {
        guard let start = Double(parts[0]), let stop = Double(parts[1]),
          let step = Double(parts[2]), step > 0, stop >= start, (stop - start) / step < 10_000
        else {
          throw ValidationError(
            "--iou-thresholds START:STOP:STEP needs numbers with STEP > 0 and STOP >= START, got '\(iouThresholds)'"
          )
        }
        // pycocotools: np.linspace(start, stop, int(np.round((stop - start) / step)) + 1)
        let count = Int(((stop - start) / step).rounded(.toNearestOrEven)) + 1
        p.iouThresholds = COCOEvalParameters.linspace(start, stop, count: count)
      } else {
        p.iouThresholds = try list(iouThresholds, option: "--iou-thresholds") {
          Double($0).flatMap { $0.isFinite ? $0 : nil }
        }
      }
    }
    if let areaRanges {
      p.areaRanges = try list(areaRanges, option: "--area-ranges") { item in
        let labelled = item.split(separator: "=", maxSplits: 1)
        guard labelled.count == 2, !labelled[0].isEmpty else { return nil }
        let bounds = labelled[1].split(separator: ":")
        guard bounds.count == 2, let low = Double(bounds[0]), let high = Double(bounds[1]),
          low <= high
        else { return nil }
        return AreaRange(label: String(labelled[0]), lower: low, upper: high)
      }
    }
    if let categories {
      let ids = try list(categories, option: "--categories") { RecordID(canonicalizing: $0) }
      p.categoryIDs = try ids.map {
        guard let key = categoryKey($0) else {
          throw ValidationError("--categories: dataset \(name) has no category \($0)")
        }
        return key
      }
    }
    if let images {
      let ids = try list(images, option: "--images") { RecordID(canonicalizing: $0) }
      p.imageIDs = try ids.map {
        guard let key = imageKey($0) else {
          throw ValidationError("--images: dataset \(name) has no image \($0)")
        }
        return key
      }
    }
    p.usesCategories = !noCategories
    try p.validate()
    return p
  }

  private func list<T>(_ text: String, option: String, _ parse: (String) -> T?) throws -> [T] {
    let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    guard !items.isEmpty else { throw ValidationError("\(option) is empty") }
    return try items.map {
      guard let value = parse($0) else {
        throw ValidationError("\(option): cannot read '\($0)'")
      }
      return value
    }
  }

  private func jsonReport(
    _ evaluation: COCOEvaluation, summary: COCOSummary, input: EvalStoreInput
  ) -> JSONValue {
    let p = evaluation.parameters
    let range = String(
      format: "%0.2f:%0.2f", p.iouThresholds.first ?? 0, p.iouThresholds.last ?? 0)
    let lines = summary.lines.map { line -> JSONValue in
      [
        "metric": .string(line.isPrecision ? "AP" : "AR"),
        "iou": .string(line.iouThreshold.map { String(format: "%0.2f", $0) } ?? range),
        "area": .string(line.areaLabel),
        "max_dets": .int(line.maxDetections ?? -1),
        "value": .double(line.value),
      ]
    }
    let perCategory = evaluation.categoryMetrics().map { metrics -> JSONValue in
      var entry: [(key: String, value: JSONValue)] = [
        ("ap", .double(metrics.averagePrecision)), ("ar", .double(metrics.averageRecall)),
      ]
      if let id = input.categoryRecord(metrics.categoryID) {
        entry.append(("id", JSONValue(id)))
        entry.append(("name", .string(input.categoryNames[id] ?? "")))
      } else {
        entry.append(("id", .int(Int(metrics.categoryID))))
      }
      return .object(entry)
    }
    let areaRanges = p.areaRanges.map { area -> JSONValue in
      ["label": .string(area.label), "range": [.double(area.lower), .double(area.upper)]]
    }
    let ranked = evaluation.categoriesByAveragePrecision().enumerated().map {
      n, row -> JSONValue in
      var entry: [(key: String, value: JSONValue)] = [("rank", .int(n + 1))]
      if let id = input.categoryRecord(row.categoryID) {
        entry.append(("id", JSONValue(id)))
        entry.append(("name", .string(input.categoryNames[id] ?? "")))
      } else {
        entry.append(("id", .int(Int(row.categoryID))))
      }
      entry += [
        ("ap", .double(row.averagePrecision)), ("ap50", .double(row.precisionAt50)),
        ("ap75", .double(row.precisionAt75)), ("ar", .double(row.averageRecall)),
      ]
      return .object(entry)
    }
    var report: [(key: String, value: JSONValue)] = [
      ("dataset", .string(name)),
      ("detection_set", .string(input.set)),
      ("stats", .array(summary.stats.map { .double($0) })),
      ("summary", .array(lines)),
      ("summary_convention", .string(self.summary.rawValue)),
      ("per_category", .array(perCategory)),
      ("per_category_by_ap", .array(ranked)),
      ("images", .int(p.imageIDs?.count ?? 0)),
      ("ground_truth", .int(input.groundTruth.count)),
      ("detections", .int(input.detectionCount)),
      (
        "parameters",
        [
          "iou_thresholds": .array(p.iouThresholds.map { .double($0) }),
          "max_dets": .array(p.maxDetections.map { .int($0) }),
          "area_ranges": .array(areaRanges),
          "use_categories": .bool(p.usesCategories),
        ]
      ),
    ]
    if arrays { report.append(("arrays", arraysReport(evaluation, input: input))) }
    return .object(report)
  }

  /// pycocotools' `eval['precision']` / `eval['recall']` as nested lists in their order.
  private func arraysReport(_ evaluation: COCOEvaluation, input: EvalStoreInput) -> JSONValue {
    let p = evaluation.parameters
    let t = p.iouThresholds.count
    let r = p.recallThresholds.count
    let k = evaluation.categorySlots.count
    let a = p.areaRanges.count
    let m = p.maxDetections.count
    /// Nests `values` (C order) into lists of the given shape.
    func nest(_ values: ArraySlice<Double>, _ shape: ArraySlice<Int>) -> JSONValue {
      guard let first = shape.first else { return .double(values.first ?? -1) }
      if shape.count == 1 { return .array(values.map { .double($0) }) }
      let inner = shape.dropFirst().reduce(1, *)
      return .array(
        (0..<first).map { i in
          let start = values.startIndex + i * inner
          return nest(values[start..<(start + inner)], shape.dropFirst())
        })
    }
    let categories = evaluation.categorySlots.map { key -> JSONValue in
      input.categoryRecord(key).map { JSONValue($0) } ?? .int(Int(key))
    }
    return [
      "layout": .string(
        "precision[T][R][K][A][M], recall[T][K][A][M]: IoU threshold, recall point, category, area range, maxDets (pycocotools' eval['precision'] / eval['recall']); -1 where no ground truth counts"
      ),
      "shape_precision": .array([t, r, k, a, m].map { .int($0) }),
      "shape_recall": .array([t, k, a, m].map { .int($0) }),
      "iou_thresholds": .array(p.iouThresholds.map { .double($0) }),
      "recall_thresholds": .array(p.recallThresholds.map { .double($0) }),
      "category_ids": .array(categories),
      "area_ranges": .array(p.areaRanges.map { .string($0.label) }),
      "max_dets": .array(p.maxDetections.map { .int($0) }),
      "precision": nest(evaluation.precision[...], [t, r, k, a, m][...]),
      "recall": nest(evaluation.recall[...], [t, k, a, m][...]),
    ]
  }
}
