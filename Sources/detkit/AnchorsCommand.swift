import ArgumentParser
import DetGeometry
import DetTensorIO
import Foundation

extension AnchorGenerator.Framework: ExpressibleByArgument {}

/// `detkit anchors`: dump the anchor grid of a preset, optionally reconfigured, in one of
/// the peers' conventions.
struct AnchorsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "anchors",
    abstract: "Generate the FPN or RetinaNet anchor grid of an image size.",
    discussion: """
      Anchors are xyxy pixels, ordered level -> row y -> column x -> anchor type. Aspect \
      ratios are height/width. Feature maps are ceil(H/stride) x ceil(W/stride).

      --compat picks whose arithmetic and type order to reproduce bit for bit:
        torchvision       (default) rounded half-extents, ratio-major, offset 0, int()
                          sizes, stride = image side // grid side per axis
        detectron2        unrounded, size-major, --offset fraction of stride
        mmdetection       base size = stride, centre --offset x stride, ratio-major
        detectron-legacy  +1-pixel generate_anchors, ratio-major

      --format defaults to table when stdout is a terminal and to csv otherwise.
        table  per level: stride, grid, anchor count, base anchors (centred at 0)
        csv    header level,y,x,type,x1,y1,x2,y2, one anchor per line
        json   {"levels": [...metadata...], "boxes": [[x1,y1,x2,y2], ...]}
        npy    float32 [N, 4] in the same order (np.load gives the boxes)

      Examples:
        detkit anchors --preset fpn --image 800x1344
        detkit anchors --preset retinanet --image 512x512 --format csv \\
          --output a.csv
        detkit anchors --preset fpn --image 800x1344 --compat detectron2 \\
          --ratios 0.5,1,2,4 --offset 0.5 --format json
        detkit anchors --preset fpn --image 800x1344 --format npy \\
          --output anchors.npy
        detkit anchors --preset retinanet --print-config > retinanet.json
        detkit anchors --anchor-config retinanet.json --image 800x1344
        detkit anchors --anchor-config fitted.json --compat mmdetection \\
          --print-snippet mmdetection

      --print-config writes the configuration (preset, overrides and --compat applied) \
      as JSON; --anchor-config FILE loads one in place of --preset, and its compat is \
      used unless --compat is given. --print-snippet FRAMEWORK prints the Python / config \
      text that builds the same anchors in that framework (tools/golden_anchor_snippets.py \
      checks each against the framework's own generator); give --compat FRAMEWORK for its \
      arithmetic. Where the framework cannot express the configuration the text says so.

      `detkit anchors optimize` fits sizes and ratios to a stored dataset (see its --help).
      """,
    subcommands: [AnchorsOptimizeCommand.self])

  @Option(help: "Preset: fpn (P2-P6, 3 types) or retinanet (P3-P7, 9 types); default fpn.")
  var preset: PresetOption?

  @Flag(help: "Print the anchor configuration (JSON, loadable by --anchor-config) and exit.")
  var printConfig = false

  @Option(
    help:
      "Print the snippet that builds these anchors in torchvision, detectron2 or mmdetection and exit."
  )
  var printSnippet: AnchorGenerator.Framework?

  @Option(help: "Image (padded canvas) size as HxW, e.g. 800x1344.")
  var image: ImageSize?

  @OptionGroup var anchorOptions: AnchorOptions

  @Option(help: "Base anchor size per level in pixels, comma-separated (e.g. 32,64,128,256,512).")
  var sizes: NumberList?

  @Option(help: "Aspect ratios height/width, comma-separated (e.g. 0.5,1,2).")
  var ratios: NumberList?

  @Option(help: "Scales multiplying each level's size, comma-separated (e.g. 1,1.26,1.587).")
  var scales: NumberList?

  @Option(help: "Stride per level in pixels, comma-separated integers (e.g. 4,8,16,32,64).")
  var strides: NumberList?

  @Option(help: "Centre of cell (0,0) as a fraction of the stride (detectron2, mmdetection).")
  var offset: Double?

  @Option(help: "Output format: table, csv, json, npy (default: table on a terminal, else csv).")
  var format: AnchorsFormat?

  @Option(help: "Output file, or - for stdout.")
  var output: String = "-"

  func validate() throws {
    let generator = try makeGenerator()
    if let problem = generator.configurationProblem { throw ValidationError(problem) }
    if printConfig || printSnippet != nil {
      if printConfig && printSnippet != nil {
        throw ValidationError("give --print-config or --print-snippet, not both")
      }
      if image != nil || format != nil {
        throw ValidationError(
          "\(printConfig ? "--print-config" : "--print-snippet") prints text; drop --image and --format"
        )
      }
      return
    }
    guard let image else {
      throw ValidationError("give --image HxW (or --print-config / --print-snippet)")
    }
    do {
      _ = try generator.checkedAnchorCount(for: image)
    } catch {
      throw ValidationError("--image \(error); check --image and --strides")
    }
    if format == .npy && output == "-" && isatty(STDOUT_FILENO) != 0 {
      throw ValidationError(
        "refusing to write binary NPY to a terminal; pass --output FILE.npy or redirect stdout")
    }
  }

  /// The preset (or configuration file) with the command-line overrides applied.
  func makeGenerator() throws -> AnchorGenerator {
    try anchorOptions.checkExclusive(preset: preset)
    var g = try anchorOptions.generator(preset ?? .fpn)!
    if anchorOptions.anchorConfig != nil {
      let overrides = [
        ("--sizes", sizes != nil), ("--ratios", ratios != nil), ("--scales", scales != nil),
        ("--strides", strides != nil), ("--offset", offset != nil),
      ].filter(\.1).map(\.0)
      if !overrides.isEmpty {
        throw ValidationError(
          "\(overrides.joined(separator: ", ")) cannot change an --anchor-config file; edit the file instead"
        )
      }
      return g
    }
    if let strides {
      var levels: [AnchorGenerator.Level] = []
      for (i, s) in strides.values.enumerated() {
        guard let stride = Int(exactly: s), stride > 0 else {
          throw ValidationError("--strides must be positive integers, got \(s)")
        }
        let name = stride & (stride - 1) == 0 ? "P\(stride.trailingZeroBitCount)" : "L\(i)"
        let size = i < g.levels.count ? g.levels[i].size : 8 * Double(stride)
        levels.append(.init(name: name, stride: stride, size: size))
      }
      if sizes == nil && levels.count != g.levels.count {
        throw ValidationError(
          "--strides gives \(levels.count) levels but the \(sourceName) preset has \(g.levels.count) sizes; pass --sizes too"
        )
      }
      g.levels = levels
    }
    if let sizes {
      guard sizes.values.count == g.levels.count else {
        throw ValidationError(
          "--sizes gives \(sizes.values.count) sizes for \(g.levels.count) levels; give one size per level"
        )
      }
      for i in g.levels.indices { g.levels[i].size = sizes.values[i] }
    }
    if let ratios { g.aspectRatios = ratios.values }
    if let scales { g.scales = scales.values }
    if let offset { g.centerOffset = offset }
    return g
  }

  /// The preset's name or the configuration file, for titles.
  private var sourceName: String { anchorOptions.sourceName(preset ?? .fpn) }

  func run() throws {
    let generator = try makeGenerator()
    if printConfig {
      var out = try BufferedTextWriter(path: output)
      out.write(generator.configurationJSON)
      try out.close()
      return
    }
    if let printSnippet {
      var out = try BufferedTextWriter(path: output)
      out.write(generator.snippet(for: printSnippet).text)
      try out.close()
      return
    }
    guard let image else { return }  // validate() requires it
    let grid = generator.anchors(for: image)
    let chosen = format ?? (output == "-" && isatty(STDOUT_FILENO) != 0 ? .table : .csv)
    if chosen == .npy {
      try writeNPY(Tensor(shape: [grid.count, 4], float32: grid.boxes.values), to: output)
      return
    }
    var out = try BufferedTextWriter(path: output)
    switch chosen {
    case .table: writeTable(grid, generator, image: image, to: &out)
    case .csv: writeCSV(grid, to: &out)
    case .json: writeJSON(grid, generator, image: image, to: &out)
    case .npy: break
    }
    try out.close()
  }

  private func writeTable(
    _ grid: AnchorGrid, _ g: AnchorGenerator, image: ImageSize, to out: inout BufferedTextWriter
  ) {
    out.write(
      "\(sourceName) anchors, \(g.compatibility.configurationName) mode (\(g.typeOrder.rawValue)), image \(image): \(grid.count) anchors\n"
    )
    let header = ["level", "stride", "grid", "offset", "anchors", "base anchors (x1, y1, x2, y2)"]
    var rows: [[String]] = []
    for level in grid.levels {
      let stride =
        level.strideY == level.strideX
        ? short(level.strideX) : "\(short(level.strideY))x\(short(level.strideX))"
      let cells = level.cellAnchors.map {
        "[\(short($0.x1)), \(short($0.y1)), \(short($0.x2)), \(short($0.y2))]"
      }
      rows.append([
        level.name, stride, "\(level.rows)x\(level.columns)", short(level.centerOffset),
        "\(level.range.count)", cells.first ?? "",
      ])
      for cell in cells.dropFirst() { rows.append(["", "", "", "", "", cell]) }
    }
    let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
    for row in [header] + rows {
      let padded = row.indices.map { c in
        c == row.count - 1
          ? row[c] : row[c].padding(toLength: widths[c], withPad: " ", startingAt: 0)
      }
      out.write(padded.joined(separator: "  ") + "\n")
    }
  }

  private func writeCSV(_ grid: AnchorGrid, to out: inout BufferedTextWriter) {
    out.write("level,y,x,type,x1,y1,x2,y2\n")
    grid.boxes.withUnsafeBufferPointer { v in
      for level in grid.levels {
        var i = level.range.lowerBound
        for y in 0..<level.rows {
          for x in 0..<level.columns {
            for k in 0..<level.typesPerCell {
              out.write(
                "\(level.name),\(y),\(x),\(k),\(v[4 * i]),\(v[4 * i + 1]),\(v[4 * i + 2]),\(v[4 * i + 3])\n"
              )
              i += 1
            }
          }
        }
      }
    }
  }

  private func writeJSON(
    _ grid: AnchorGrid, _ g: AnchorGenerator, image: ImageSize, to out: inout BufferedTextWriter
  ) {
    func box(_ b: Box) -> JSONValue { [.float(b.x1), .float(b.y1), .float(b.x2), .float(b.y2)] }
    let levels = grid.levels.map { level -> JSONValue in
      [
        "name": .string(level.name), "stride": .int(level.stride),
        "strideY": .float(level.strideY), "strideX": .float(level.strideX),
        "rows": .int(level.rows), "columns": .int(level.columns),
        "typesPerCell": .int(level.typesPerCell), "centerOffset": .float(level.centerOffset),
        "start": .int(level.range.lowerBound), "end": .int(level.range.upperBound),
        "cellAnchors": .array(level.cellAnchors.map(box)),
      ]
    }
    let source: (key: String, value: JSONValue) =
      anchorOptions.anchorConfig.map { ("anchorConfig", .string($0)) }
      ?? ("preset", .string((preset ?? .fpn).rawValue))
    let value: JSONValue = .object([
      source, ("compat", .string(g.compatibility.configurationName)),
      ("image", [.int(image.height), .int(image.width)]),
      ("typeOrder", .string(g.typeOrder.rawValue)), ("count", .int(grid.count)),
      ("levels", .array(levels)), ("boxes", .array(grid.boxes.map(box))),
    ])
    out.write(value.text(.line) + "\n")
  }

  /// `Float` without a trailing `.0` for whole numbers, else rounded to 4 decimals (table only).
  private func short(_ v: Float) -> String {
    v == v.rounded() && abs(v) < 1e7 ? String(Int(v)) : String(format: "%.4g", Double(v))
  }
}

/// `--format` values of `detkit anchors`.
enum AnchorsFormat: String, ExpressibleByArgument, CaseIterable {
  case table, csv, json, npy
}

/// A comma-separated list of finite numbers, e.g. `0.5,1,2`.
struct NumberList: ExpressibleByArgument {
  var values: [Double]

  init?(argument: String) {
    let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
    let numbers = parts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard !parts.isEmpty, numbers.count == parts.count, numbers.allSatisfy(\.isFinite) else {
      return nil
    }
    values = numbers
  }

  static var defaultValueDescription: String { "a,b,..." }
}
