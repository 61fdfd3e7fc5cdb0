import ArgumentParser
import DetGeometry
import DetPipeline

/// `--resize` values: the peers' input transform, or none (stored sizes, no padding).
extension InputResize: ExpressibleByArgument {}

/// `--framework` values.
extension DetectorFramework: ExpressibleByArgument {}

/// The options every dataset pipeline command shares: store, dataset, anchors, resize.
struct PipelineOptions: ParsableArguments {
  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset.")
  var name: String

  @Option(help: "Anchor preset: fpn or retinanet.")
  var preset: PresetOption

  @OptionGroup var anchors: AnchorOptions

  @Option(
    help:
      "Input resize: torchvision (800/1333, pad 32), detectron2, mmdetection, or none (stored size)."
  )
  var resize: InputResize = .torchvision

  @Option(help: "A file of image ids or file names, one a line: only those images.")
  var subset: String?

  var compat: CompatOption { anchors.compat }

  var generator: AnchorGenerator { anchors.generator(preset) }

  /// The dataset, opened, restricted to `--subset`.
  func walker() throws -> DatasetWalker {
    var walker = try DatasetWalker(db: db, name: name, resize: resize)
    if let subset {
      walker.subset = try ImageSubset(file: subset, store: walker.store, dataset: name)
    }
    return walker
  }
}
