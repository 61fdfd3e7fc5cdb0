import ArgumentParser
import DetGeometry
import DetMatching
import DetPipeline
import DetStore
import DetSupport
import Foundation

/// `detkit draw`: an SVG of one image's ground truth and the anchors matched to it.
struct DrawCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "draw",
    abstract:
      "Draw one image's ground truth, positive anchors (by level) and ignored anchors as SVG.",
    discussion: """
      The picture is the padded canvas (grey) with the resized image frame, the \
      non-crowd ground-truth boxes labelled with their category, crowd boxes hatched, the \
      positive anchors coloured by level and the ignored anchors (between thresholds or \
      in a crowd box with --ignore-crowd) dashed, under --matcher (default: the preset's; \
      needed with --anchor-config). The SVG is self-contained (no external references).

      Example:
        detkit draw --db store.sqlite --name demo --image 100 --preset retinanet \\
          --output img100.svg
      """)

  @OptionGroup var options: PipelineOptions

  @Option(help: "The image's original id.")
  var image: String

  @Flag(help: "Treat crowd boxes as ignore regions.")
  var ignoreCrowd = false

  @Option(help: "Output SVG file, or - for stdout.")
  var output: String

  func validate() throws {
    _ = try options.matcherChoice()
  }

  static let levelColors = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4"]

  func run() throws {
    let walker = try options.walker()
    let picture = try walker.image(id: RecordID(canonicalizing: image))
    let grid = try picture.anchors(try options.generator)
    let targets = try TargetAssignment(
      matcher: try options.matcherChoice().matcher, ignoreCrowdIoF: ignoreCrowd ? 0.5 : nil
    )
    .targets(of: picture, grid: grid, index: GridAnchorIndex(grid))
    let svg = Self.svg(
      picture, grid: grid, targets: targets, names: walker.categoryNames, options: options)
    if output == "-" {
      FileHandle.standardOutput.write(Data(svg.utf8))
    } else {
      try Data(svg.utf8).write(to: URL(fileURLWithPath: output))
      let s = targets.statistics
      FileHandle.standardError.write(
        Data(
          "wrote \(output): \(picture.boxes.count) boxes, \(s.positives) positive and \(s.ignored) ignored anchors\n"
            .utf8))
    }
  }

  static func f(_ v: Float) -> String { String(format: "%.1f", Double(v)) }

  static func rect(_ b: Box, _ attributes: String) -> String {
    "<rect x=\"\(f(b.x1))\" y=\"\(f(b.y1))\" width=\"\(f(b.width))\" height=\"\(f(b.height))\" \(attributes)/>\n"
  }

  /// The SVG document.
  static func svg(
    _ image: PipelineImage, grid: AnchorGrid, targets: TrainingTargets, names: [String],
    options: PipelineOptions
  ) -> String {
    let legendWidth = 330
    let w = image.canvas.width + legendWidth
    let h = max(image.canvas.height, 60 + 22 * (grid.levels.count + 4))
    var s = """
      <?xml version="1.0" encoding="UTF-8"?>
      <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" viewBox="0 0 \(w) \(h)" font-family="Helvetica, Arial, sans-serif" font-size="13">
      <title>\(XMLText.escaped("\(image.record.fileName) (id \(image.record.id)), \(options.anchorSource) anchors"))</title>
      <defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="8" stroke="#888" stroke-width="2"/></pattern><clipPath id="canvas"><rect x="0" y="0" width="\(image.canvas.width)" height="\(image.canvas.height)"/></clipPath></defs>
      <rect width="100%" height="100%" fill="white"/>
      <rect x="0" y="0" width="\(image.canvas.width)" height="\(image.canvas.height)" fill="#eeeeee"/>
      <rect x="0" y="0" width="\(image.resized.width)" height="\(image.resized.height)" fill="#fbfbf7" stroke="#333" stroke-width="1.5"/>

      """
    s +=
      "<g id=\"ignored\" clip-path=\"url(#canvas)\" fill=\"none\" stroke=\"#888\" stroke-width=\"0.6\" stroke-opacity=\"0.35\" stroke-dasharray=\"4 3\">\n"
    for i in targets.matches.indices where targets.matches[i] == MatchLabel.ignore {
      s += rect(grid.boxes[i], "")
    }
    s += "</g>\n"
    for (l, level) in grid.levels.enumerated() {
      let color = levelColors[l % levelColors.count]
      s +=
        "<g id=\"positive-\(XMLText.escaped(level.name))\" clip-path=\"url(#canvas)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.2\" stroke-opacity=\"0.85\">\n"
      for i in level.range where targets.matches[i] >= 0 { s += rect(grid.boxes[i], "") }
      s += "</g>\n"
    }
    s += "<g id=\"crowd\">\n"
    for b in image.crowd {
      s += rect(b, "fill=\"url(#hatch)\" fill-opacity=\"0.5\" stroke=\"#555\" stroke-width=\"1.5\"")
    }
    s += "</g>\n<g id=\"ground-truth\">\n"
    for (j, b) in image.boxes.enumerated() {
      s += rect(b, "fill=\"none\" stroke=\"black\" stroke-width=\"2.5\"")
      let label = XMLText.escaped(names[image.labels[j]])
      let y = b.y1 >= 16 ? b.y1 - 4 : b.y1 + 14
      s +=
        "<text x=\"\(f(b.x1 + 2))\" y=\"\(f(y))\" font-weight=\"bold\" stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">\(label)</text>\n"
    }
    s += "</g>\n"
    var y = 24
    let x = image.canvas.width + 16
    s += "<g id=\"legend\">\n"
    s +=
      "<text x=\"\(x)\" y=\"\(y)\" font-weight=\"bold\">\(XMLText.escaped(image.record.fileName))</text>\n"
    y += 20
    s +=
      "<text x=\"\(x)\" y=\"\(y)\">\(image.record.width)x\(image.record.height) → \(image.resized.width)x\(image.resized.height), canvas \(image.canvas.width)x\(image.canvas.height)</text>\n"
    y += 26
    s +=
      "<rect x=\"\(x)\" y=\"\(y - 11)\" width=\"18\" height=\"12\" fill=\"none\" stroke=\"black\" stroke-width=\"2.5\"/><text x=\"\(x + 26)\" y=\"\(y)\">ground truth (\(image.boxes.count))</text>\n"
    for (l, level) in grid.levels.enumerated() {
      y += 22
      let count = level.range.reduce(0) { $0 + (targets.matches[$1] >= 0 ? 1 : 0) }
      s +=
        "<rect x=\"\(x)\" y=\"\(y - 11)\" width=\"18\" height=\"12\" fill=\"none\" stroke=\"\(levelColors[l % levelColors.count])\" stroke-width=\"2\"/><text x=\"\(x + 26)\" y=\"\(y)\">positive \(XMLText.escaped(level.name)) (stride \(level.stride)): \(count)</text>\n"
    }
    y += 22
    s +=
      "<rect x=\"\(x)\" y=\"\(y - 11)\" width=\"18\" height=\"12\" fill=\"none\" stroke=\"#777\" stroke-dasharray=\"4 3\"/><text x=\"\(x + 26)\" y=\"\(y)\">ignored anchors: \(targets.statistics.ignored)</text>\n"
    if !image.crowd.isEmpty {
      y += 22
      s +=
        "<rect x=\"\(x)\" y=\"\(y - 11)\" width=\"18\" height=\"12\" fill=\"url(#hatch)\" stroke=\"#555\"/><text x=\"\(x + 26)\" y=\"\(y)\">crowd (\(image.crowd.count))</text>\n"
    }
    s += "</g>\n</svg>\n"
    return s
  }
}
