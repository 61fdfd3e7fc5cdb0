import ArgumentParser
import DetStore

/// `detkit stats`: counts and distributions of one dataset.
struct StatsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stats",
    abstract: "Summarise a dataset: counts, crowd, per-category counts, COCO area ranges, sizes.",
    discussion: """
      Area ranges follow COCO evaluation over the annotations' `area` field: small \
      < 32², medium < 96², large >= 96².

      Example:
        detkit stats --db store.sqlite --name val2017 --json
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset.")
  var name: String

  @Flag(help: "Print JSON.")
  var json = false

  @OptionGroup var progressOptions: ProgressOptions

  func run() throws {
    let bar = progressOptions.bar("stats of \(name)", unit: .records)
    defer { bar.finish() }
    let s = try AnnotationStore(path: db, mode: .readOnly).statistics(
      of: name, progress: bar.update)
    bar.finish()
    if json {
      try printJSON(
        [
          "images": s.images, "annotations": s.annotations, "categories": s.categories,
          "crowd": s.crowd,
          "per_category": s.perCategory.map {
            [
              "id": jsonID($0.id), "name": $0.name, "annotations": $0.annotations,
              "images": $0.images,
            ]
              as [String: Any]
          },
          "area": ["small": s.small, "medium": s.medium, "large": s.large],
          "boxes_per_image": [
            "min": s.boxesPerImageMin, "max": s.boxesPerImageMax, "mean": s.boxesPerImageMean,
            "images_without_boxes": s.imagesWithoutAnnotations,
          ] as [String: Any],
          "image_sizes": s.imageSizes.map {
            ["width": $0.width, "height": $0.height, "images": $0.images]
          },
        ] as [String: Any])
      return
    }
    print("dataset      \(name)")
    print("images       \(s.images)")
    print("annotations  \(s.annotations) (crowd \(s.crowd))")
    print("categories   \(s.categories)")
    print("area         small \(s.small), medium \(s.medium), large \(s.large)")
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

/// A `RecordID` as a JSON value: number or string.
func jsonID(_ id: RecordID) -> Any {
  switch id {
  case .int(let value): return value
  case .text(let value): return value
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
