import ArgumentParser
import DetStore

extension AreaSource: ExpressibleByArgument {}

/// `detkit stats`: counts and distributions of one dataset.
struct StatsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stats",
    abstract: "Summarise a dataset: counts, crowd, per-category counts, COCO area ranges, sizes.",
    discussion: """
      Area ranges follow COCO evaluation over the annotations' `area` field: small \
      < 32², medium < 96², large >= 96². --area box counts the boxes' width x height \
      instead, for datasets whose stored area is not the object's: a warning says how \
      many stored areas exceed their box (VisDrone's COCO files store the image size).

      Example:
        detkit stats --db store.sqlite --name val2017 --json
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset.")
  var name: String

  @Option(help: "The area the size classes count: stored or box (width x height).")
  var area: AreaSource = .stored

  @Flag(help: "Print JSON.")
  var json = false

  @OptionGroup var progressOptions: ProgressOptions

  func run() throws {
    let bar = progressOptions.bar("stats of \(name)", unit: .records)
    defer { bar.finish() }
    let s = try AnnotationStore(path: db, mode: .readOnly).statistics(
      of: name, area: area, progress: bar.update)
    bar.finish()
    if s.areasAboveBox > 0 {
      printError(
        "warning: \(s.areasAboveBox) of \(s.annotations) stored areas exceed their box's width x height"
          + (area == .stored
            ? "; the size classes below may be wrong (--area box counts the boxes)"
            : "; the size classes count the boxes (--area box)"))
    }
    if json {
      printJSON([
        "images": .int(s.images), "annotations": .int(s.annotations),
        "categories": .int(s.categories), "crowd": .int(s.crowd),
        "per_category": .array(
          s.perCategory.map {
            [
              "id": JSONValue($0.id), "name": .string($0.name),
              "annotations": .int($0.annotations), "images": .int($0.images),
            ]
          }),
        "area": ["small": .int(s.small), "medium": .int(s.medium), "large": .int(s.large)],
        "area_source": .string(s.areaSource.rawValue),
        "stored_areas_above_box": .int(s.areasAboveBox),
        "boxes_per_image": [
          "min": .int(s.boxesPerImageMin), "max": .int(s.boxesPerImageMax),
          "mean": .double(s.boxesPerImageMean),
          "images_without_boxes": .int(s.imagesWithoutAnnotations),
        ],
        "image_sizes": .array(
          s.imageSizes.map {
            ["width": .int($0.width), "height": .int($0.height), "images": .int($0.images)]
          }),
      ])
      return
    }
    print("dataset      \(name)")
    print("images       \(s.images)")
    print("annotations  \(s.annotations) (crowd \(s.crowd))")
    print("categories   \(s.categories)")
    print(
      "area         small \(s.small), medium \(s.medium), large \(s.large) (\(s.areaSource) area)")
    print(
      "boxes/image  min \(s.boxesPerImageMin), max \(s.boxesPerImageMax), mean \(String(format2: s.boxesPerImageMean)), \(s.imagesWithoutAnnotations) images without boxes"
    )
    let sizes = s.imageSizes.prefix(5).map { "\($0.width)x\($0.height) (\($0.images))" }
    print(
      "image sizes  \(s.imageSizes.count) distinct (WxH); most common: \(sizes.joined(separator: ", "))"
    )
    print("per category (id name: annotations / images):")
    for c in s.perCategory {
      print("  \(c.id) \(c.name): \(c.annotations) / \(c.images)")
    }
  }
}

extension String {
  /// `value` with two decimals.
  init(format2 value: Double) {
    let scaled = (value * 100).rounded()
    let whole = Int(scaled) / 100
    let frac = abs(Int(scaled)) % 100
    self = "\(whole).\(frac < 10 ? "0" : "")\(frac)"
  }
}
