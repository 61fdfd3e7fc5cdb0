import ArgumentParser
import DetPipeline
import DetStore
import Foundation

/// `detkit worst`: the images with the highest recorded loss (hard-example mining).
struct WorstCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "worst",
    abstract:
      "List the images with the highest total loss in a run recorded by `detkit loss --record` (or the most missed + false boxes in one recorded by `detkit eval --record`).",
    discussion: """
      Total = classification (or objectness) + box loss of the image, highest first.

      For a run recorded by `detkit eval --record`: the images with the most missed ground \
      truth + false positives at IoU 0.5, maxDets 100, area all, highest first; equal totals \
      in ascending image id order. Columns: missed + false, missed, false \
      positives, true positives, ignored detections (matched to crowd regions).

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
    let store = try AnnotationStore(path: db, mode: .readOnly)
    let rows = try store.hardestImages(inRun: runName, top: top)
    if try store.lossRunHead(named: runName) == EvalStoreInput.recordedHead {
      printCounts(rows)
      return
    }
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

  /// A `detkit eval --record` run: `classification` holds the missed ground truth, `box` the
  /// false positives.
  private func printCounts(_ rows: [ImageLossRecord]) {
    if json {
      for r in rows {
        let line: JSONValue = [
          "image_id": JSONValue(r.imageID), "file_name": .string(r.fileName),
          "missed_plus_false": .int(Int(r.total)), "missed": .int(Int(r.classification)),
          "false_positives": .int(Int(r.box)), "true_positives": .int(r.positives),
          "ignored": .int(r.ignored),
        ]
        print(line.text(.line))
      }
      return
    }
    print("rank  image_id  file_name               missed+false  missed  false     TP  ignored")
    for (k, r) in rows.enumerated() {
      print(
        String(format: "%4d  ", k + 1)
          + r.imageID.description.padding(toLength: 8, withPad: " ", startingAt: 0) + "  "
          + r.fileName.padding(toLength: 22, withPad: " ", startingAt: 0)
          + String(
            format: "  %12d  %6d  %5d  %5d  %7d", Int(r.total), Int(r.classification), Int(r.box),
            r.positives, r.ignored))
    }
  }
}
