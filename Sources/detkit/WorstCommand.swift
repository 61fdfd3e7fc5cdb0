import ArgumentParser
import DetStore
import Foundation

/// `detkit worst`: the images with the highest recorded loss (hard-example mining).
struct WorstCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "worst",
    abstract:
      "List the images with the highest total loss in a run recorded by `detkit loss --record`.",
    discussion: """
      Total = classification (or objectness) + box loss of the image, highest first.

      Example:
        detkit worst --db store.sqlite --run run1 --top 5
      """)

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(name: .customLong("run"), help: "The recorded run.")
  var runName: String

  @Option(help: "How many images.")
  var top = 20

  @Flag(help: "Print JSON lines instead of a table.")
  var json = false

  func validate() throws {
    guard top >= 1 else { throw ValidationError("--top must be >= 1, got \(top)") }
  }

  func run() throws {
    let rows = try AnnotationStore(path: db, mode: .readOnly).hardestImages(
      inRun: runName, top: top)
    if json {
      for r in rows {
        let line: JSONValue = [
          "image_id": JSONValue(r.imageID), "file_name": .string(r.fileName),
          "total": .double(r.total), "classification": .double(r.classification),
          "box": .double(r.box), "positives": .int(r.positives), "ignored": .int(r.ignored),
        ]
        print(line.text(.line))
      }
      return
    }
    print(
      "rank  image_id  file_name                    total         cls       box  positives  ignored"
    )
    for (k, r) in rows.enumerated() {
      print(
        String(format: "%4d  ", k + 1)
          + r.imageID.description.padding(toLength: 8, withPad: " ", startingAt: 0) + "  "
          + r.fileName.padding(toLength: 22, withPad: " ", startingAt: 0)
          + String(
            format: "  %11.4f %11.4f  %8.4f  %9d  %7d", r.total, r.classification, r.box,
            r.positives, r.ignored))
    }
  }
}
