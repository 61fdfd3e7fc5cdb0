import ArgumentParser
import DetStore

/// `detkit images`: the images of a dataset, filtered.
struct ImagesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "images",
    abstract: "List the images of a dataset with their box counts, filtered.",
    discussion: """
      Lists id, file name, size, boxes (crowd and difficult ones included, counted \
      apart) and the categories of the boxes, in import order. Every filter given must \
      hold. --file takes a shell pattern over the stored file name (case-sensitive; * \
      crosses /). The count of listed images goes to stderr.

      Example:
        detkit images --db store.sqlite --name voc --category dog --min-boxes 2
        detkit images --db store.sqlite --name voc --file '2008_*' --json
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset.")
  var name: String

  @Option(help: "Only images with a box of this category (repeatable: any of them).")
  var category: [String] = []

  @Option(help: "Only images whose file name matches this shell pattern.")
  var file: String?

  @Option(help: "Only images with at least this many boxes.")
  var minBoxes: Int?

  @Option(help: "Only images with at most this many boxes (0: images without boxes).")
  var maxBoxes: Int?

  @Flag(help: "Only images with (or without) a crowd box.")
  var crowd: CrowdPresence?

  @Flag(help: "Only images with (or without) a difficult box.")
  var difficult: DifficultPresence?

  @Option(help: "List at most this many images.")
  var limit: Int?

  @Flag(help: "Print a JSON array.")
  var json = false

  @OptionGroup var progressOptions: ProgressOptions

  enum CrowdPresence: String, EnumerableFlag { case withCrowd, withoutCrowd }
  enum DifficultPresence: String, EnumerableFlag { case withDifficult, withoutDifficult }

  func validate() throws {
    for (value, option) in [
      (minBoxes, "--min-boxes"), (maxBoxes, "--max-boxes"), (limit, "--limit"),
    ] {
      if let value, value < 0 { throw ValidationError("\(option) must be 0 or more") }
    }
  }

  func run() throws {
    let store = try AnnotationStore(path: db, mode: .readOnly)
    let filter = ImageFilter(
      categories: Set(category), fileGlob: file, minimumBoxes: minBoxes, maximumBoxes: maxBoxes,
      hasCrowd: crowd.map { $0 == .withCrowd }, hasDifficult: difficult.map { $0 == .withDifficult }
    )
    var listed: [ImageListing] = []
    var matched = 0
    let bar = progressOptions.bar("listing images of \(name)")
    defer { bar.finish() }
    try store.forEachImage(in: name, matching: filter, progress: bar.update) { listing in
      matched += 1
      if limit.map({ listed.count < $0 }) ?? true { listed.append(listing) }
    }
    bar.finish()
    if json {
      printJSON(
        .array(
          listed.map {
            [
              "id": JSONValue($0.image.id), "file_name": .string($0.image.fileName),
              "width": .int($0.image.width), "height": .int($0.image.height),
              "boxes": .int($0.boxes), "crowd": .int($0.crowd), "difficult": .int($0.difficult),
              "categories": .array($0.categories.map { .string($0) }),
            ]
          }))
    } else {
      printTable(
        [["id", "file_name", "size", "boxes", "crowd", "difficult", "categories"]]
          + listed.map {
            [
              "\($0.image.id)", $0.image.fileName, "\($0.image.width)x\($0.image.height)",
              String($0.boxes), String($0.crowd), String($0.difficult),
              $0.categories.joined(separator: ","),
            ]
          })
    }
    let total = try store.dataset(named: name).images
    printError(
      "\(matched) of \(total) images of \"\(name)\" match"
        + (listed.count < matched ? "; listed the first \(listed.count) (--limit)" : ""))
  }
}
