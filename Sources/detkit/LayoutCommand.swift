import ArgumentParser
import DetGeometry
import DetPipeline
import DetStore
import Foundation

/// `detkit layout`: the shapes a detector's head outputs must have for each batch, before
/// predicting.
struct LayoutCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "layout",
    abstract: "Each batch's canvas, level grids, anchors per cell and N, and the label map.",
    discussion: """
      For a dataset and a batch composition (--batch, the image ids of one batch, repeated \
      for several) or a batch size (--batch-size, the dataset's images in import order, \
      --subset applied), prints what `detkit loss retinanet` expects of a batch file: the \
      padded canvas (the largest resized height and width of the batch, each rounded up \
      to 32), every level's grid [H_l, W_l] on it, anchors per cell A, the anchor count N \
      (cls_logits [B, N, C], or per level [B, A*C, H_l, W_l]), and the label map \
      (contiguous index, the logit column, to category id and name). Images are resized \
      as the framework does (--resize overrides; stated image_sizes of training \
      batches can differ). The anchors are RetinaNet's preset in the framework's \
      arithmetic, or --anchor-config FILE (--compat overrides either). --json prints one \
      report object.

      Example:
        detkit layout --db store.sqlite --name demo --batch 139,285,632 --json
      """)

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset.")
  var name: String

  @Option(help: "Whose resize, padding and anchors: torchvision, detectron2 or mmdetection.")
  var framework: DetectorFramework = .torchvision

  @Option(help: "Input resize (default: the framework's).")
  var resize: InputResize?

  @OptionGroup var anchors: AnchorOptions

  @Option(
    help: ArgumentHelp(
      "The image ids of one batch, comma-separated; repeat for several batches.",
      valueName: "ids"))
  var batch: [String] = []

  @Option(help: "Images per batch, in import order (when no --batch is given).")
  var batchSize: Int?

  @Option(help: "A file of image ids or file names, one a line: only those images.")
  var subset: String?

  @Flag(help: "Print a JSON report.")
  var json = false

  func validate() throws {
    if !batch.isEmpty && batchSize != nil {
      throw ValidationError("give either --batch or --batch-size, not both")
    }
    if batch.isEmpty && batchSize == nil {
      throw ValidationError("give --batch IDS (repeatable) or --batch-size N")
    }
    if let batchSize, batchSize < 1 {
      throw ValidationError("--batch-size must be >= 1, got \(batchSize)")
    }
  }

  func run() throws {
    var walker = try DatasetWalker(db: db, name: name, resize: resize ?? framework.resize)
    if let subset {
      walker.subset = try ImageSubset(file: subset, store: walker.store, dataset: name)
    }
    let generator =
      try anchors.configuredGenerator()
      ?? AnchorGenerator(
        preset: .retinanet,
        compatibility: anchors.compat?.compatibility ?? framework.compatibility)
    var layouts: [BatchLayout] = []
    if let batchSize {
      layouts = try walker.batches(
        size: batchSize, divisor: framework.sizeDivisor, generator: generator)
    } else {
      for (k, text) in batch.enumerated() {
        let ids = text.split(separator: ",").map {
          RecordID(canonicalizing: $0.trimmingCharacters(in: .whitespaces))
        }
        guard !ids.isEmpty else { throw ValidationError("--batch \(k + 1) names no image") }
        layouts.append(
          try walker.batch(
            ids, divisor: framework.sizeDivisor, generator: generator,
            location: "--batch \(text)"
          ).layout)
      }
    }
    var out = try BufferedTextWriter(path: "-")
    if json {
      let report: JSONValue = [
        "framework": .string(framework.rawValue),
        "label_map": Self.labelMap(walker),
        "batches": .array(
          layouts.enumerated().map { k, l in
            [
              "batch": .int(k), "image_ids": .array(l.imageIDs.map { JSONValue($0) }),
              "image_sizes": .array(l.imageSizes.map { [.int($0.height), .int($0.width)] }),
              "canvas": [.int(l.canvas.height), .int(l.canvas.width)],
              "levels": .array(
                l.levels.map {
                  [
                    "name": .string($0.name), "stride": .int($0.stride),
                    "shape": [.int($0.rows), .int($0.columns)],
                    "anchors_per_cell": .int($0.anchorsPerCell),
                  ]
                }),
              "anchors_per_cell": l.anchorsPerCell.map { .int($0) } ?? .null,
              "anchors": .int(l.anchorCount),
            ]
          }),
      ]
      out.write(report.text(.report) + "\n")
    } else {
      out.write("framework \(framework.rawValue); label map (index: category id name):\n")
      for label in walker.labelMap {
        out.write("  \(label.index): \(label.categoryID) \(label.name)\n")
      }
      for (k, l) in layouts.enumerated() {
        let ids = l.imageIDs.map(\.description).joined(separator: ", ")
        let sizes = l.imageSizes.map { "\($0.height)x\($0.width)" }.joined(separator: ", ")
        out.write(
          "batch \(k): images \(ids) (resized HxW \(sizes)); canvas \(l.canvas.height)x\(l.canvas.width); N = \(l.anchorCount), \(l.anchorsPerCellText) anchors per cell\n"
        )
        out.write(
          "  levels: "
            + l.levels.map { "\($0.name) \($0.rows)x\($0.columns)" }.joined(separator: ", ")
            + "\n")
      }
    }
    try out.close()
  }

  /// `[{"index": 0, "category_id": …, "name": …}, …]`.
  static func labelMap(_ walker: DatasetWalker) -> JSONValue {
    .array(
      walker.labelMap.map {
        [
          "index": .int($0.index), "category_id": JSONValue($0.categoryID),
          "name": .string($0.name),
        ]
      })
  }
}
