import ArgumentParser
import DetEval
import DetStore
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

  enum SummaryChoice: String, ExpressibleByArgument, CaseIterable {
    case chosen, pycocotools
  }

  func validate() throws {
    _ = try parameters(imageKey: { _ in 0 }, categoryKey: { _ in 0 })
  }

  func run() throws {
    let store = try AnnotationStore(path: db, mode: .readOnly)
    let set = try store.resolveDetectionSet(set, of: name)
    let input = try EvalStoreInput(store: store, dataset: name, set: set)
    let parameters = try parameters(
      imageKey: { input.imageKey($0) }, categoryKey: { input.categoryKey($0) })
    if input.detections.isEmpty {
      printError(
        "warning: dataset \(name) has no detections (import them with `detkit import coco-results FILE --db \(db) --name \(name)`); every AP and AR is 0"
      )
    }
    let evaluation: COCOEvaluation
    do {
      evaluation = try COCOEvaluator(parameters: parameters).evaluate(
        images: input.images, categories: input.categories, groundTruth: input.groundTruth,
        detections: input.detections)
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
    if json {
      try printJSON(jsonReport(evaluation, summary: result, input: input))
    } else {
      FileHandle.standardOutput.write(
        Data(result.text(iouThresholds: evaluation.parameters.iouThresholds).utf8))
    }
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
    return [
      "dataset": .string(name),
      "detection_set": .string(input.set),
      "stats": .array(summary.stats.map { .double($0) }),
      "summary": .array(lines),
      "summary_convention": .string(self.summary.rawValue),
      "per_category": .array(perCategory),
      "images": .int(p.imageIDs?.count ?? 0),
      "ground_truth": .int(input.groundTruth.count),
      "detections": .int(input.detections.count),
      "parameters": [
        "iou_thresholds": .array(p.iouThresholds.map { .double($0) }),
        "max_dets": .array(p.maxDetections.map { .int($0) }),
        "area_ranges": .array(areaRanges),
        "use_categories": .bool(p.usesCategories),
      ],
    ]
  }
}

/// A dataset's ground truth and detections as DetEval's arrays.
///
/// Integer ids are used as they are. When any image (or category) id is a string, every
/// image (category) id is replaced by its position in sorted order: only their order matters
/// to the evaluation (pycocotools sorts them too).
struct EvalStoreInput {
  var images: [Int64] = []
  var categories: [Int64] = []
  var groundTruth: [EvalGroundTruth] = []
  var detections: [EvalDetection] = []
  var categoryNames: [RecordID: String] = [:]
  /// The detection set read.
  let set: String
  private var imageKeys: [RecordID: Int64]?
  private var categoryKeys: [RecordID: Int64]?
  private var categoryByKey: [Int64: RecordID] = [:]

  init(store: AnnotationStore, dataset: String, set: String) throws {
    self.set = set
    var imageIDs: [RecordID] = []
    try store.forEachImage(in: dataset) { imageIDs.append($0.id) }
    var categoryIDs: [RecordID] = []
    var names: [RecordID: String] = [:]
    try store.forEachCategory(in: dataset) {
      categoryIDs.append($0.id)
      names[$0.id] = $0.name
    }
    categoryNames = names
    let imageKeys = Self.keys(imageIDs)
    let categoryKeys = Self.keys(categoryIDs)
    self.imageKeys = imageKeys
    self.categoryKeys = categoryKeys
    images = imageIDs.map { Self.key($0, imageKeys) ?? -1 }
    categories = categoryIDs.map { Self.key($0, categoryKeys) ?? -1 }
    for (id, key) in zip(categoryIDs, categories) { categoryByKey[key] = id }
    var annotations: [EvalGroundTruth] = []
    try store.forEachAnnotation(in: dataset) { a in
      // An annotation whose image or category the dataset lacks cannot be selected.
      guard let image = Self.key(a.imageID, imageKeys),
        let category = Self.key(a.categoryID, categoryKeys)
      else { return }
      annotations.append(
        EvalGroundTruth(
          id: a.id == .int(0) ? 0 : 1, imageID: image, categoryID: category, x: a.x, y: a.y,
          width: a.width, height: a.height, area: a.area ?? a.width * a.height,
          isCrowd: a.isCrowd))
    }
    groundTruth = annotations

    var unknownImages = UnknownIDs()
    var unknownCategories = UnknownIDs()
    var results: [EvalDetection] = []
    results.reserveCapacity(try store.detectionCount(in: dataset, set: set))
    // Image by image is all evaluation needs (file order within an image), and reads the
    // index without a sort.
    try store.forEachDetectionByImage(in: dataset, set: set) { d in
      let image = Self.key(d.imageID, imageKeys)
      let category = Self.key(d.categoryID, categoryKeys)
      // Unknown integer ids pass through: DetEval names them (they are the original ids).
      if image == nil { unknownImages.add(d.imageID) }
      if category == nil { unknownCategories.add(d.categoryID) }
      results.append(
        EvalDetection(
          imageID: image ?? -1, categoryID: category ?? -1, x: d.x, y: d.y, width: d.width,
          height: d.height, score: d.score))
    }
    if unknownImages.count > 0 {
      throw EvalInputError(dataset: dataset, kind: "image", unknown: unknownImages)
    }
    if unknownCategories.count > 0 {
      throw EvalInputError(dataset: dataset, kind: "category", unknown: unknownCategories)
    }
    detections = results
  }

  /// `nil` when every id is an integer (used as is), else sorted positions.
  private static func keys(_ ids: [RecordID]) -> [RecordID: Int64]? {
    guard ids.contains(where: { if case .text = $0 { return true } else { return false } })
    else { return nil }
    var keys: [RecordID: Int64] = [:]
    for (position, id) in Set(ids).sorted().enumerated() { keys[id] = Int64(position) }
    return keys
  }

  private static func key(_ id: RecordID, _ keys: [RecordID: Int64]?) -> Int64? {
    if let keys { return keys[id] }
    if case .int(let value) = id { return value }
    return nil
  }

  func imageKey(_ id: RecordID) -> Int64? {
    guard let key = Self.key(id, imageKeys), images.contains(key) else { return nil }
    return key
  }

  func categoryKey(_ id: RecordID) -> Int64? {
    guard let key = Self.key(id, categoryKeys), categoryByKey[key] != nil else { return nil }
    return key
  }

  func categoryRecord(_ key: Int64) -> RecordID? { categoryByKey[key] }
}

/// The first few distinct unknown ids and how many detections carry one.
struct UnknownIDs {
  var sample: [RecordID] = []
  var distinct = Set<RecordID>()
  var distinctCount = 0
  var count = 0

  mutating func add(_ id: RecordID) {
    count += 1
    if distinct.insert(id).inserted {
      distinctCount += 1
      if sample.count < EvalError.sampleLimit { sample.append(id) }
    }
  }
}

/// Detections that the dataset's ground truth cannot evaluate.
struct EvalInputError: Error, CustomStringConvertible {
  var dataset: String
  var kind: String
  var unknown: UnknownIDs

  var description: String {
    let more = unknown.distinctCount > unknown.sample.count ? ", ..." : ""
    return
      "\(unknown.count) detection(s) of dataset \(dataset) refer to \(unknown.distinctCount) "
      + "\(kind) id(s) its ground truth does not have: "
      + unknown.sample.map(\.description).joined(separator: ", ") + more
  }
}
