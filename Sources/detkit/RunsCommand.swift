import ArgumentParser
import DetStore

/// `detkit runs`: recorded loss runs and detection sets.
struct RunsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "runs",
    abstract: "List the recorded loss runs and the detection sets of a store.",
    discussion: """
      Loss runs are recorded by `detkit loss retinanet|rpn --record RUN` and read by `detkit \
      worst`; detection sets are imported by `detkit import coco-results --set` and read by \
      `detkit eval` and `detkit export coco-results`.

      Example:
        detkit runs --db store.sqlite
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Flag(help: "Print JSON: loss_runs and detection_sets.")
  var json = false

  func run() throws {
    let store = try AnnotationStore(path: db, mode: .readOnly)
    let runs = try store.lossRuns()
    let sets = try store.detectionSets()
    if json {
      printJSON([
        "loss_runs": .array(
          runs.map {
            [
              "name": .string($0.name), "dataset": .string($0.dataset), "head": .string($0.head),
              "created_at": .string($0.createdAt), "images": .int($0.images),
              "mean_loss": .double($0.meanLoss),
            ]
          }),
        "detection_sets": .array(
          sets.map {
            [
              "dataset": .string($0.dataset), "name": .string($0.name),
              "detections": .int($0.detections),
            ]
          }),
      ])
      return
    }
    if runs.isEmpty {
      print("no loss runs")
    } else {
      print("loss runs:")
      printTable(
        [["name", "dataset", "head", "images", "mean loss", "created"]]
          + runs.map {
            [$0.name, $0.dataset, $0.head, String($0.images), "\($0.meanLoss)", $0.createdAt]
          })
    }
    if sets.isEmpty {
      print("no detection sets")
    } else {
      print("detection sets:")
      printTable(
        [["dataset", "set", "detections"]]
          + sets.map { [$0.dataset, $0.name, String($0.detections)] })
    }
  }
}
