import DetEval
import Foundation

/// fixtures/golden/eval.json, written by tools/golden_eval.py from pycocotools' COCOeval.
struct EvalGolden: Decodable {
  struct Input: Decodable {
    var images: [Int64]
    var categories: [Int64]
    /// `[id, image, category, x, y, w, h, area, iscrowd, ignore]`
    var gt: [[Double]]
    /// `[image, category, x, y, w, h, score]`
    var dt: [[Double]]

    var groundTruth: [EvalGroundTruth] {
      gt.map {
        EvalGroundTruth(
          id: Int64($0[0]), imageID: Int64($0[1]), categoryID: Int64($0[2]), x: $0[3], y: $0[4],
          width: $0[5], height: $0[6], area: $0[7], isCrowd: $0[8] != 0)
      }
    }

    var detections: [EvalDetection] {
      dt.map {
        EvalDetection(
          imageID: Int64($0[0]), categoryID: Int64($0[1]), x: $0[2], y: $0[3], width: $0[4],
          height: $0[5], score: $0[6])
      }
    }
  }

  struct Params: Decodable {
    var maxDets: [Int]?
    var useCats: Int?
    var iouThrs: [Double]?
    var areaRng: [[Double]]?
    var areaRngLbl: [String]?
    var imgIds: [Int64]?
    var catIds: [Int64]?

    var parameters: COCOEvalParameters {
      var p = COCOEvalParameters()
      if let maxDets { p.maxDetections = maxDets }
      if let useCats { p.usesCategories = useCats != 0 }
      if let iouThrs { p.iouThresholds = iouThrs }
      if let areaRng, let areaRngLbl {
        p.areaRanges = zip(areaRngLbl, areaRng).map {
          AreaRange(label: $0, lower: $1[0], upper: $1[1])
        }
      }
      p.imageIDs = imgIds
      p.categoryIDs = catIds
      return p
    }
  }

  struct Run: Decodable {
    var input: String?
    var name: String
    var params: Params?
    /// pycocotools' `stats`; `nil` where its `summarize()` raised.
    var stats: [Double]?
    var summary: String?
    var statsChosen: [Double]
    var shape: [Int]
    var recall: [Double]
    /// `[t, r, k, a, m, value]`
    var precisionSamples: [[Double]]
    /// `[image, tp, fp, missed, ignored]` at IoU 0.5, maxDets 100, area all, read off
    /// pycocotools' `evalImgs`; `nil` when the run does not evaluate that setting.
    var imageCounts: [[Int64]]?
    /// `eval['precision'].tolist()` / `eval['recall'].tolist()` (runs named "arrays*").
    var precisionFull: [[[[[Double]]]]]?
    var recallFull: [[[[Double]]]]?

    enum CodingKeys: String, CodingKey {
      case input, name, params, stats, summary, shape, recall
      case statsChosen = "stats_chosen"
      case precisionSamples = "precision_samples"
      case imageCounts = "image_counts"
      case precisionFull = "precision_full"
      case recallFull = "recall_full"
    }
  }

  var iouThrs: [Double]
  var recThrs: [Double]
  var inputs: [String: Input]
  var runs: [Run]
  var datasets: [Run]

  static let root: URL = {
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path)
    {
      dir = dir.deletingLastPathComponent()
    }
    return dir
  }()

  static let shared: EvalGolden = {
    let url = root.appendingPathComponent("fixtures/golden/eval.json")
    // A missing or malformed fixture is a broken checkout: fail loudly.
    return try! JSONDecoder().decode(EvalGolden.self, from: Data(contentsOf: url))
  }()

  /// `shared/datasets` beside the package root or one of its ancestors.
  static let datasets: URL? = {
    var dir = root.standardizedFileURL
    while dir.path != "/" {
      let candidate = dir.appendingPathComponent("shared/datasets")
      if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
      dir.deleteLastPathComponent()
    }
    return nil
  }()
}

/// Compares two stat lists entry by entry, naming every pair that differs by more than
/// `tolerance`.
func statDifferences(_ ours: [Double], _ theirs: [Double], tolerance: Double = 1e-12) -> [String] {
  guard ours.count == theirs.count else {
    return ["count \(ours.count) vs pycocotools \(theirs.count)"]
  }
  return ours.indices.compactMap { i in
    abs(ours[i] - theirs[i]) <= tolerance
      ? nil : "stats[\(i)]: detkit \(ours[i]) vs pycocotools \(theirs[i])"
  }
}
