import ArgumentParser
import DetGeometry
import DetPipeline
import Foundation

/// `detkit demo`: the whole story on the bundled demo dataset.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract:
      "Run the pipeline on the bundled demo dataset: import, stats, anchors, coverage, losses, pictures.",
    discussion: """
      The demo dataset (12 synthetic street images, 5 categories, 47 annotations with one \
      crowd region; tools/make_demo_fixture.py) is embedded in the binary, so the command \
      runs from any directory. It imports the dataset into a temporary SQLite store, prints \
      its statistics, the RetinaNet anchor table of a 800x1088 canvas and the coverage \
      table, computes RetinaNet losses on deterministic synthetic predictions (seeded \
      uniform logits in [-6.5, -3.5) and deltas in [-0.3, 0.3)), lists the hardest images, and \
      writes the coverage chart and two annotated images as SVG. Everything goes into a \
      fresh temporary folder (or --dir) whose path is printed.

      Example:
        swift run -c release detkit demo
      """)

  @Option(help: "Work folder (default: a fresh temporary folder).")
  var dir: String?

  func run() throws {
    let folder =
      dir.map { URL(fileURLWithPath: $0) }
      ?? URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
        "detkit-demo-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let json = folder.appendingPathComponent("instances.json")
    try Data(demoInstancesJSON.utf8).write(to: json)
    let db = folder.appendingPathComponent("demo.sqlite").path
    try? FileManager.default.removeItem(atPath: db)
    let common = ["--db", db, "--name", "demo"]

    section("import the demo dataset (COCO JSON) into \(db)")
    try run(["import", "coco", json.path] + common)
    section("detkit stats")
    try run(["stats"] + common)
    section("detkit anchors --preset retinanet --image 800x1088 --compat torchvision")
    try run([
      "anchors", "--preset", "retinanet", "--image", "800x1088", "--compat", "torchvision",
      "--format", "table",
    ])
    section("detkit coverage --preset retinanet")
    let coverageSVG = folder.appendingPathComponent("coverage.svg").path
    try run(["coverage"] + common + ["--preset", "retinanet", "--svg", coverageSVG])

    section("detkit loss retinanet (synthetic predictions, batches of 4)")
    let predictions = folder.appendingPathComponent("predictions")
    try Self.writeSyntheticPredictions(db: db, name: "demo", to: predictions)
    try run(
      ["loss", "retinanet"] + common + [
        "--predictions", predictions.path, "--batch-size", "4", "--record", "demo",
      ])
    section("detkit worst --run demo --top 3")
    try run(["worst", "--db", db, "--run", "demo", "--top", "3"])

    section("pictures")
    var pictures = [coverageSVG]
    for image in ["100", "121"] {
      let out = folder.appendingPathComponent("image-\(image).svg").path
      try run(
        ["draw"] + common + [
          "--image", image, "--preset", "retinanet", "--ignore-crowd", "--output", out,
        ])
      pictures.append(out)
    }
    for p in pictures { print(p) }
  }

  private func section(_ title: String) {
    print("\n== \(title)")
  }

  private func run(_ arguments: [String]) throws {
    // print() buffers in stdio while some commands write through FileHandle: keep order.
    fflush(nil)
    var command = try Detkit.parseAsRoot(arguments)
    try command.run()
    fflush(nil)
  }

  /// RetinaNet predictions for every image of the dataset, one NPY pair per image
  /// (`<id>.cls.npy` [N, C], `<id>.box.npy` [N, 4]), seeded by the image's position.
  static func writeSyntheticPredictions(db: String, name: String, to folder: URL) throws {
    try DatasetWalker(db: db, name: name, resize: .torchvision).writeSyntheticPredictions(
      generator: AnchorGenerator(preset: .retinanet, compatibility: .torchvision), to: folder)
  }
}
