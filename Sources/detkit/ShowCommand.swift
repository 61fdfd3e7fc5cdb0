import ArgumentParser
import DetStore

/// `detkit show`: one image and its boxes.
struct ShowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Show one image of a dataset with its annotations.",
    discussion: """
      --image takes the original id ("2299" and 2299 name the same image), the stored \
      file name, its last component, or that without its extension: the first of these \
      that matches decides, and a name several images share is an error listing them \
      with their ids. `detkit images` lists the images.

      Example:
        detkit show --db store.sqlite --name val2017 --image 397133
        detkit show --db store.sqlite --name voc --image 2007_000027
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset.")
  var name: String

  @Option(help: "The image: its original id, file name or file stem.")
  var image: String

  @Flag(help: "Print JSON.")
  var json = false

  func run() throws {
    let store = try AnnotationStore(path: db, mode: .readOnly)
    let record = try store.findImage(in: name, named: image)
    let annotations = try store.annotations(in: name, image: record.id)
    var names: [RecordID: String] = [:]
    try store.forEachCategory(in: name) { names[$0.id] = $0.name }
    let sets = try store.detectionSets(of: name)
    if json {
      printJSON([
        "id": JSONValue(record.id), "file_name": .string(record.fileName),
        "width": .int(record.width), "height": .int(record.height),
        "annotations": .array(
          annotations.map { a in
            var members: [(key: String, value: JSONValue)] = [
              ("id", JSONValue(a.id)), ("category_id", JSONValue(a.categoryID)),
              ("category", .string(names[a.categoryID] ?? "")),
              ("bbox", [.double(a.x), .double(a.y), .double(a.width), .double(a.height)]),
              ("area", .double(a.area ?? a.width * a.height)), ("iscrowd", .int(a.isCrowd ? 1 : 0)),
            ]
            if a.isDifficult { members.append(("difficult", .int(1))) }
            if a.isTruncated { members.append(("truncated", .int(1))) }
            if a.isOccluded { members.append(("occluded", .int(1))) }
            if let pose = a.pose { members.append(("pose", .string(pose))) }
            return .object(members)
          }),
        "detection_sets": .array(
          sets.map { ["name": .string($0.name), "detections": .int($0.detections)] }),
      ])
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
