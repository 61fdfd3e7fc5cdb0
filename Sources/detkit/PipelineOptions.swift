import ArgumentParser
import DetGeometry
import DetPipeline

/// `--resize` values: the peers' input transform, or none (stored sizes, no padding).
extension InputResize: ExpressibleByArgument {}

extension DifficultPolicy: ExpressibleByArgument {}

/// The options every dataset pipeline command shares: store, dataset, anchors, resize,
/// difficult boxes.
struct PipelineOptions: ParsableArguments {
  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset.")
  var name: String

  @Option(help: "Anchor preset: fpn or retinanet.")
  var preset: PresetOption

  @OptionGroup var anchors: AnchorOptions

  @Option(help: "Input resize: torchvision (800/1333, pad 32), detectron2, or none (stored size).")
  var resize: InputResize = .torchvision

  @Option(help: "Boxes marked difficult (VOC): keep, ignore (like crowd) or drop.")
  var difficult: DifficultPolicy = .keep

  var compat: CompatOption { anchors.compat }

  var generator: AnchorGenerator { anchors.generator(preset) }

  /// The dataset, opened.
  func walker() throws -> DatasetWalker {
    var walker = try DatasetWalker(db: db, name: name, resize: resize)
    walker.difficult = difficult
    return walker
  }
}
