import ArgumentParser
import DetStore

/// `detkit show`: one image and its boxes.
struct ShowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Show one image of a dataset with its annotations.",
    discussion: """
      --image takes the original id; "2299" and 2299 name the same image.

      Example:
        detkit show --db store.sqlite --name val2017 --image 397133
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset.")
  var name: String

  @Option(help: "The image's original id.")
  var image: String

  @Flag(help: "Print JSON.")
  var json = false

  func run() throws {
    let store = try AnnotationStore(path: db)
    let id = RecordID(canonicalizing: image)
    let record = try store.image(in: name, id: id)
    let annotations = try store.annotations(in: name, image: id)
    var names: [RecordID: String] = [:]
    try store.forEachCategory(in: name) { names[$0.id] = $0.name }
    let sets = try store.detectionSets(of: name)
    if json {
      try printJSON(
        [
          "id": jsonID(record.id), "file_name": record.fileName, "width": record.width,
          "height": record.height,
          "annotations": annotations.map { a in
            var object: [String: Any] = [
              "id": jsonID(a.id), "category_id": jsonID(a.categoryID),
              "category": names[a.categoryID] ?? "", "bbox": [a.x, a.y, a.width, a.height],
              "area": a.area ?? a.width * a.height, "iscrowd": a.isCrowd ? 1 : 0,
            ]
            if a.isDifficult { object["difficult"] = 1 }
            if a.isTruncated { object["truncated"] = 1 }
            if a.isOccluded { object["occluded"] = 1 }
            if let pose = a.pose { object["pose"] = pose }
            return object
          },
          "detection_sets": sets.map {
            ["name": $0.name, "detections": $0.detections] as [String: Any]
          },
        ] as [String: Any])
      return
    }
    print("image \(record.id)  \(record.fileName)  \(record.width)x\(record.height) (WxH)")
    print("\(annotations.count) annotations (id  category  x y w h  area  flags):")
    for a in annotations {
      var flags: [String] = []
      if a.isCrowd { flags.append("crowd") }
      if a.isDifficult { flags.append("difficult") }
      if a.isTruncated { flags.append("truncated") }
      if a.isOccluded { flags.append("occluded") }
      print(
        "  \(a.id)  \(names[a.categoryID] ?? "?")(\(a.categoryID))  \(a.x) \(a.y) \(a.width) \(a.height)  \(a.area ?? 0)  \(flags.joined(separator: ","))"
      )
    }
    if !sets.isEmpty {
      print(
        "detection sets of \(name): "
          + sets.map { "\($0.name) (\($0.detections))" }.joined(separator: ", "))
    }
  }
}
