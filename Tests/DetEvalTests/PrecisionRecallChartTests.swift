import DetEval
import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Precision–recall curves, the per-category ranking and the SVG chart, against pycocotools'
/// full precision array of the golden "arrays" run (IoU thresholds 0.5 and 0.75).
@Suite struct PrecisionRecallChartTests {
  private func arraysRun() throws -> (COCOEvaluation, EvalGolden.Run) {
    let golden = EvalGolden.shared
    let run = try #require(golden.runs.first { $0.name == "arrays" })
    let input = try #require(golden.inputs[run.input ?? ""])
    let evaluation = try COCOEvaluator(parameters: run.params!.parameters).evaluate(
      images: input.images, categories: input.categories, groundTruth: input.groundTruth,
      detections: input.detections)
    return (evaluation, run)
  }

  /// pycocotools' `precision[t, :, k, a=all, m=last]`.
  private func column(_ run: EvalGolden.Run, t: Int, k: Int) throws -> [Double] {
    let full = try #require(run.precisionFull)
    return full[t].map { $0[k][0].last! }
  }

  @Test func meanCurveIsThePerRecallPointMeanOverCategories() throws {
    let (evaluation, run) = try arraysRun()
    let full = try #require(run.precisionFull)
    for (t, iou) in [(0, 0.5), (1, 0.75)] {
      let curve = try #require(
        evaluation.precisionRecallCurve(iouThreshold: iou, label: "all"))
      #expect(curve.recall == EvalGolden.shared.recThrs)
      for r in 0..<101 {
        let values = full[t][r].map { $0[0].last! }.filter { $0 > -1 }
        let mean = values.reduce(0, +) / Double(values.count)
        #expect(abs(curve.precision[r] - mean) <= 1e-12, "t \(t) r \(r)")
      }
      // Its mean is the summary's AP at that threshold (pycocotools' stats[1] / stats[2]).
      let stat = try #require(run.stats)[t + 1]
      #expect(abs(curve.averagePrecision - stat) <= 1e-12)
    }
  }

  @Test func categoryCurveIsItsColumnAndAbsentOnesAreNil() throws {
    let (evaluation, run) = try arraysRun()
    // Category 1 is slot 0.
    let curve = try #require(
      evaluation.precisionRecallCurve(iouThreshold: 0.5, categoryID: 1, label: "c1"))
    #expect(curve.precision == (try column(run, t: 0, k: 0)))
    #expect(evaluation.precisionRecallCurve(iouThreshold: 0.6, label: "x") == nil)
    // Category 5 has no ground truth (every entry -1); 4 is not a category.
    #expect(evaluation.precisionRecallCurve(iouThreshold: 0.5, categoryID: 5, label: "x") == nil)
    #expect(evaluation.precisionRecallCurve(iouThreshold: 0.5, categoryID: 4, label: "x") == nil)
  }

  @Test func categoriesSortByAPWithoutGroundTruthLast() throws {
    let (evaluation, run) = try arraysRun()
    let rows = evaluation.categoriesByAveragePrecision()
    #expect(rows.count == 5)
    let aps = rows.map(\.averagePrecision)
    #expect(aps == aps.sorted(by: >))
    // Categories 5 and 7 have no ground truth: -1, last, ascending id.
    #expect(rows.suffix(2).map(\.categoryID) == [5, 7])
    #expect(rows.suffix(2).map(\.precisionAt50) == [-1, -1])
    let slots = evaluation.categorySlots
    for row in rows.prefix(3) {
      let k = try #require(slots.firstIndex(of: row.categoryID))
      for (t, value) in [(0, row.precisionAt50), (1, row.precisionAt75)] {
        let expected = try column(run, t: t, k: k)
        #expect(abs(value - expected.reduce(0, +) / 101) <= 1e-12)
      }
      // Over the two thresholds, AP is the mean of AP50 and AP75.
      #expect(abs(row.averagePrecision - (row.precisionAt50 + row.precisionAt75) / 2) <= 1e-12)
    }
  }

  /// Collects the polylines of an SVG document while checking it is well-formed XML.
  private final class PolylineCollector: NSObject, XMLParserDelegate {
    var root: String?
    var namespace: String?
    var polylines: [[String: String]] = []
    func parser(
      _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
      qualifiedName: String?, attributes: [String: String] = [:]
    ) {
      if root == nil {
        root = name
        namespace = attributes["xmlns"]
      }
      if name == "polyline" { polylines.append(attributes) }
    }
  }

  @Test func svgIsWellFormedAndHoldsTheCurvesPoints() throws {
    let (evaluation, _) = try arraysRun()
    let curves = [
      try #require(evaluation.precisionRecallCurve(iouThreshold: 0.5, label: "all @ 0.50")),
      try #require(evaluation.precisionRecallCurve(iouThreshold: 0.75, label: "all @ 0.75")),
      try #require(
        evaluation.precisionRecallCurve(iouThreshold: 0.5, categoryID: 2, label: "<c2> & \"x\"")),
    ]
    let svg = PrecisionRecallChart(title: "PR <test>", curves: curves).svg()
    let parser = XMLParser(data: Data(svg.utf8))
    let collector = PolylineCollector()
    parser.delegate = collector
    #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
    #expect(collector.root == "svg")
    #expect(collector.namespace == "http://www.w3.org/2000/svg")
    #expect(collector.polylines.count == curves.count)
    for (attributes, curve) in zip(collector.polylines, curves) {
      #expect(attributes["data-label"] == curve.label)
      let points = try #require(attributes["points"]).split(separator: " ").map {
        $0.split(separator: ",").map { Double($0)! }
      }
      #expect(points.count == curve.recall.count)
      // Back from pixels (two decimals over a 480-pixel axis: within 0.005 / 480).
      for (point, (r, p)) in zip(points, zip(curve.recall, curve.precision)) {
        let recall = (point[0] - PrecisionRecallChart.left) / PrecisionRecallChart.plotWidth
        let precision = 1 - (point[1] - PrecisionRecallChart.top) / PrecisionRecallChart.plotHeight
        #expect(abs(recall - r) <= 2e-5 && abs(precision - p) <= 2e-5)
      }
    }
  }
}
