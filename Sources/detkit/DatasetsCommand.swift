import ArgumentParser
import DetStore

/// `detkit datasets`: what a store holds.
struct DatasetsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "datasets",
    abstract: "List the datasets in an SQLite store with their record counts.",
    discussion: """
      Example:
        detkit datasets --db store.sqlite --json
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  func run() throws {
    let store = try AnnotationStore(path: db, mode: .readOnly)
    let datasets = try store.datasets()
    var sets: [String: [(name: String, detections: Int)]] = [:]
    for dataset in datasets where dataset.detections > 0 {
      sets[dataset.name] = try store.detectionSets(of: dataset.name)
    }
    if json {
      printJSON(
        .array(
          datasets.map {
            [
              "name": .string($0.name), "format": .string($0.format),
              "source": .string($0.source), "created_at": .string($0.createdAt),
              "categories": .int($0.categories), "images": .int($0.images),
              "annotations": .int($0.annotations), "detections": .int($0.detections),
              "detection_sets": .array(
                (sets[$0.name] ?? []).map {
                  ["name": .string($0.name), "detections": .int($0.detections)]
                }),
            ]
          }))
      return
    }
    let header = ["name", "format", "categories", "images", "annotations", "detections", "source"]
    let rows =
      [header]
      + datasets.map {
        [
          $0.name, $0.format, String($0.categories), String($0.images), String($0.annotations),
          String($0.detections), $0.source,
        ]
      }
    let widths = header.indices.map { column in rows.map { $0[column].count }.max()! }
    for row in rows {
      let cells = row.enumerated().map { column, cell in
        column == row.count - 1
          ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
      }
      print(cells.joined(separator: "  "))
    }
    for dataset in datasets {
      guard let list = sets[dataset.name] else { continue }
      print(
        "detection sets of \(dataset.name): "
          + list.map { "\($0.name) (\($0.detections))" }.joined(separator: ", "))
    }
  }
}
