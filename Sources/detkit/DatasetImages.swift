import ArgumentParser
import DetGeometry
import DetMatching
import DetStore
import Foundation

/// `--resize` values: the peers' input transform, or none (stored sizes, no padding).
enum ResizeOption: String, ExpressibleByArgument, CaseIterable {
  case torchvision, detectron2, none

  var policy: ResizePolicy? {
    switch self {
    case .torchvision: .torchvision
    case .detectron2: .detectron2
    case .none: nil
    }
  }
}

/// The options every dataset pipeline command shares: store, dataset, anchors, resize.
struct PipelineOptions: ParsableArguments {
  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset.")
  var name: String

  @Option(help: "Anchor preset: fpn or retinanet.")
  var preset: PresetOption

  @Option(help: "Anchor arithmetic: torchvision, detectron2, mmdetection, detectron-legacy.")
  var compat: CompatOption = .torchvision

  @Option(help: "Input resize: torchvision (800/1333, pad 32), detectron2, or none (stored size).")
  var resize: ResizeOption = .torchvision

  var generator: AnchorGenerator {
    AnchorGenerator(preset: preset.preset, compatibility: compat.compatibility)
  }
}

/// One image of a stored dataset, mapped onto the detector's input canvas.
struct PipelineImage {
  var record: ImageRecord
  /// The padded canvas the anchors cover.
  var canvas: ImageSize
  /// The resized image inside the canvas (top-left).
  var resized: ImageSize
  /// Non-crowd boxes, resized, xyxy.
  var boxes: BoxArray
  /// Per box: contiguous 0-based category index.
  var labels: [Int]
  /// Per box: the annotation record (for names and ids).
  var annotations: [AnnotationRecord]
  /// Crowd boxes, resized, xyxy.
  var crowd: BoxArray
}

extension PipelineImage {
  /// The anchors of the canvas, built under the library's anchor limit.
  /// - Throws: `PipelineError` naming the image id, file name, stored size and canvas when
  ///   the canvas needs more than `AnchorGenerator.maximumAnchorCount` anchors.
  func anchors(_ generator: AnchorGenerator) throws -> AnchorGrid {
    do {
      return try generator.checkedAnchors(for: canvas)
    } catch {
      throw PipelineError(
        "image \(record.id) (\(record.fileName)), stored as \(record.width)x\(record.height) (WxH): canvas \(error)"
      )
    }
  }
}

/// Anchor grids and their indexes, made once per canvas size (at most 16 kept).
struct GridCache {
  let generator: AnchorGenerator
  private var grids: [ImageSize: (AnchorGrid, GridAnchorIndex)] = [:]

  init(_ generator: AnchorGenerator) { self.generator = generator }

  /// The anchors of `image`'s canvas.
  /// - Throws: `PipelineError` naming the image when its canvas exceeds the anchor limit.
  mutating func grid(for image: PipelineImage) throws -> (AnchorGrid, GridAnchorIndex) {
    let canvas = image.canvas
    if let g = grids[canvas] { return g }
    if grids.count >= 16 { grids.removeAll() }
    let grid = try image.anchors(generator)
    let g = (grid, GridAnchorIndex(grid))
    grids[canvas] = g
    return g
  }
}

/// Streams a dataset's images with resized ground truth.
struct DatasetWalker {
  let store: AnnotationStore
  /// The dataset.
  let name: String
  let resize: ResizeOption
  /// Category original id -> contiguous index.
  let categoryIndex: [RecordID: Int]
  /// Contiguous index -> name.
  let categoryNames: [String]

  init(_ options: PipelineOptions) throws {
    try self.init(db: options.db, name: options.name, resize: options.resize)
  }

  /// Opens the store read-only (`mode`: `.existing` for a command that also records).
  init(
    db: String, name: String, resize: ResizeOption, mode: AnnotationStore.OpenMode = .readOnly
  ) throws {
    self.name = name
    self.resize = resize
    store = try AnnotationStore(path: db, mode: mode)
    var index: [RecordID: Int] = [:]
    var names: [String] = []
    try store.forEachCategory(in: name) { c in
      index[c.id] = names.count
      names.append(c.name)
    }
    categoryIndex = index
    categoryNames = names
  }

  /// `record` with its annotations, resized per `--resize`.
  func load(_ record: ImageRecord) throws -> PipelineImage {
    let size = ImageSize(height: record.height, width: record.width)
    let policy = resize.policy
    var boxes = BoxArray()
    var crowd = BoxArray()
    var labels: [Int] = []
    var kept: [AnnotationRecord] = []
    for a in try store.annotations(in: name, image: record.id) {
      let box = Box(
        x1: Float(a.x), y1: Float(a.y), x2: Float(a.x + a.width), y2: Float(a.y + a.height))
      if a.isCrowd {
        crowd.append(box)
      } else {
        guard let label = categoryIndex[a.categoryID] else {
          throw PipelineError(
            "annotation \(a.id) of image \(record.id): unknown category \(a.categoryID)")
        }
        boxes.append(box)
        labels.append(label)
        kept.append(a)
      }
    }
    guard let policy else {
      return PipelineImage(
        record: record, canvas: size, resized: size, boxes: boxes, labels: labels,
        annotations: kept, crowd: crowd)
    }
    guard size.width > 0, size.height > 0 else {
      throw PipelineError(
        "image \(record.id) (\(record.fileName)): stored size \(record.width)x\(record.height) cannot be resized"
      )
    }
    return PipelineImage(
      record: record, canvas: policy.canvasSize(of: size), resized: policy.resizedSize(of: size),
      boxes: policy.resize(boxes, from: size), labels: labels, annotations: kept,
      crowd: policy.resize(crowd, from: size))
  }

  /// Calls `body` with every image of the dataset, in import order; one image in memory.
  func forEachImage(_ body: (PipelineImage) throws -> Void) throws {
    try store.forEachImage(in: name) { try body(try load($0)) }
  }
}

/// The matcher a preset's detector uses: RPN (FPN preset) `Matcher(0.7, 0.3, True)`,
/// RetinaNet `Matcher(0.5, 0.4, True)`.
func presetMatcher(_ preset: PresetOption, policy: MatchPolicy = .torchvision) -> IoUMatcher {
  preset == .fpn
    ? IoUMatcher(high: 0.7, low: 0.3, allowsLowQualityMatches: true, policy: policy)
    : IoUMatcher(high: 0.5, low: 0.4, allowsLowQualityMatches: true, policy: policy)
}

/// A runtime failure of a dataset pipeline command (exit status 1).
struct PipelineError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
