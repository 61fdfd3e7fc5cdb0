import DetSupport
import Foundation

/// A standalone SVG chart of precision–recall curves that a browser shows as it is: recall
/// on x, precision on y, both `[0, 1]`, grid lines every 0.1, one polyline per curve with a
/// legend giving its label and AP.
///
/// Each curve's `points` attribute lists its `(recall, precision)` samples mapped to the plot
/// (`x = left + recall * width`, `y = top + (1 - precision) * height`, pixels, two decimals),
/// and each polyline carries `data-label` and `data-ap` attributes, so a reader (or a test)
/// can take the numbers back out.
public struct PrecisionRecallChart: Sendable {
  public var title: String
  public var curves: [PrecisionRecallCurve]
  /// The plot area in pixels (the image adds margins and the legend).
  public static let plotWidth = 480.0
  public static let plotHeight = 480.0
  public static let left = 60.0
  public static let top = 40.0

  public init(title: String, curves: [PrecisionRecallCurve]) {
    self.title = title
    self.curves = curves
  }

  /// The colours curves take in turn (a colour-blind-safe palette).
  static let colours = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442",
  ]

  /// The SVG document (UTF-8 text with an XML declaration). Labels are XML-escaped.
  /// - Complexity: O(total points).
  public func svg() -> String {
    let w = Self.plotWidth
    let h = Self.plotHeight
    let left = Self.left
    let top = Self.top
    let legendWidth = 300.0
    let width = left + w + 30 + legendWidth
    let height = max(top + h + 60, top + 24 + 20 * Double(curves.count))
    func f(_ v: Double) -> String { String(format: "%.2f", v) }
    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    out +=
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
      + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
    out += "<title>\(XMLText.escaped(title))</title>\n"
    out += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"white\"/>\n"
    out +=
      "<text x=\"\(f(left + w / 2))\" y=\"\(f(top - 16))\" text-anchor=\"middle\" "
      + "font-size=\"14\">\(XMLText.escaped(title))</text>\n"
    // Grid and ticks.
    out += "<g stroke=\"#dddddd\" stroke-width=\"1\">\n"
    for i in 0...10 {
      let v = Double(i) / 10
      let x = left + v * w
      let y = top + (1 - v) * h
      out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + h))\"/>\n"
      out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + w))\" y2=\"\(f(y))\"/>\n"
    }
    out += "</g>\n"
    out +=
      "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(w))\" height=\"\(f(h))\" "
      + "fill=\"none\" stroke=\"#333333\"/>\n"
    for i in 0...10 where i % 2 == 0 {
      let v = Double(i) / 10
      out +=
        "<text x=\"\(f(left + v * w))\" y=\"\(f(top + h + 16))\" text-anchor=\"middle\">"
        + String(format: "%.1f", v) + "</text>\n"
      out +=
        "<text x=\"\(f(left - 6))\" y=\"\(f(top + (1 - v) * h + 4))\" text-anchor=\"end\">"
        + String(format: "%.1f", v) + "</text>\n"
    }
    out +=
      "<text x=\"\(f(left + w / 2))\" y=\"\(f(top + h + 36))\" text-anchor=\"middle\">recall</text>\n"
    out +=
      "<text x=\"\(f(left - 40))\" y=\"\(f(top + h / 2))\" text-anchor=\"middle\" "
      + "transform=\"rotate(-90 \(f(left - 40)) \(f(top + h / 2)))\">precision</text>\n"
    // Curves and legend.
    for (n, curve) in curves.enumerated() {
      let colour = Self.colours[n % Self.colours.count]
      let dash = n >= Self.colours.count ? " stroke-dasharray=\"6 3\"" : ""
      let points = zip(curve.recall, curve.precision).map { r, p in
        "\(f(left + r * w)),\(f(top + (1 - p) * h))"
      }.joined(separator: " ")
      out +=
        "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash) "
        + "data-label=\"\(XMLText.escaped(curve.label))\" "
        + "data-ap=\"\(String(format: "%.6f", curve.averagePrecision))\" points=\"\(points)\"/>\n"
      let y = top + 12 + 20 * Double(n)
      let x = left + w + 30
      out +=
        "<line x1=\"\(f(x))\" y1=\"\(f(y - 4))\" x2=\"\(f(x + 24))\" y2=\"\(f(y - 4))\" "
        + "stroke=\"\(colour)\" stroke-width=\"2\"\(dash)/>\n"
      out +=
        "<text x=\"\(f(x + 30))\" y=\"\(f(y))\">\(XMLText.escaped(curve.label)) "
        + "(AP \(String(format: "%.3f", curve.averagePrecision)))</text>\n"
    }
    out += "</svg>\n"
    return out
  }

}
