import DetSupport

/// A grouped bar chart as a standalone SVG document: one group of bars per x label, one bar
/// per series, values as shares in [0, 1] drawn on a 0–100% axis, a count under each label,
/// a caption under the axis and a legend on the right. `coverage --svg` and
/// `anchors optimize --svg` draw with it.
struct GroupedBarChart {
  /// One group: its label and the box count written under it.
  struct Group {
    var label: String
    var count: Int
  }

  /// One series: its legend name, fill colour, and a share per group.
  struct Series {
    var name: String
    var color: String
    var values: [Double]
  }

  var title: String
  var caption: String
  var groups: [Group]
  var series: [Series]

  /// The SVG text (UTF-8, ends with a newline). Bars are 20 px wide, 22 px apart.
  var svg: String {
    let (left, top, plotH) = (60.0, 50.0, 260.0)
    let group = 26 + 22 * Double(series.count)
    let width = left + Double(max(groups.count, 1)) * group + 200
    let height = top + plotH + 70
    var s = """
      <?xml version="1.0" encoding="UTF-8"?>
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(left)" y="24" font-size="15" font-weight="bold">\(XMLText.escaped(title))</text>

      """
    for k in 0...4 {
      let y = top + plotH * (1 - Double(k) / 4)
      s +=
        "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + Double(groups.count) * group)\" y2=\"\(y)\" stroke=\"#ddd\"/>\n"
      s += "<text x=\"\(left - 8)\" y=\"\(y + 4)\" text-anchor=\"end\">\(k * 25)%</text>\n"
    }
    let middle = (22 * Double(series.count) - 2) / 2
    for (i, g) in groups.enumerated() {
      let x0 = left + Double(i) * group + 12
      for (k, one) in series.enumerated() {
        let h = plotH * one.values[i]
        s +=
          "<rect x=\"\(x0 + Double(k) * 22)\" y=\"\(top + plotH - h)\" width=\"20\" height=\"\(h)\" fill=\"\(one.color)\"/>\n"
      }
      s +=
        "<text x=\"\(x0 + middle)\" y=\"\(top + plotH + 18)\" text-anchor=\"middle\">\(XMLText.escaped(g.label))</text>\n"
      s +=
        "<text x=\"\(x0 + middle)\" y=\"\(top + plotH + 34)\" text-anchor=\"middle\" fill=\"#666\">n=\(g.count)</text>\n"
    }
    s +=
      "<text x=\"\(left)\" y=\"\(top + plotH + 58)\" fill=\"#444\">\(XMLText.escaped(caption))</text>\n"
    let lx = left + Double(groups.count) * group + 20
    for (k, one) in series.enumerated() {
      let y = top + Double(k) * 22
      s += "<rect x=\"\(lx)\" y=\"\(y)\" width=\"14\" height=\"14\" fill=\"\(one.color)\"/>\n"
      s += "<text x=\"\(lx + 20)\" y=\"\(y + 12)\">\(XMLText.escaped(one.name))</text>\n"
    }
    return s + "</svg>\n"
  }
}
