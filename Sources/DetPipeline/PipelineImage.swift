import DetGeometry
import DetStore

/// One image of a stored dataset, mapped onto the detector's input canvas.
///
/// Boxes are xyxy `Float` pixels of the resized image (see ``InputResize``); crowd
/// annotations are kept apart from the ground truth.
public struct PipelineImage: Sendable {
  /// The stored image.
  public var record: ImageRecord
  /// The padded canvas the anchors cover.
  public var canvas: ImageSize
  /// The resized image inside the canvas (top-left).
  public var resized: ImageSize
  /// Non-crowd boxes, resized, xyxy, in import order.
  public var boxes: BoxArray
  /// Per box: contiguous 0-based category index.
  public var labels: [Int]
  /// Per box: the annotation record (for names and ids).
  public var annotations: [AnnotationRecord]
  /// Crowd boxes, resized, xyxy.
  public var crowd: BoxArray

  /// Creates an image.
  public init(
    record: ImageRecord, canvas: ImageSize, resized: ImageSize, boxes: BoxArray, labels: [Int],
    annotations: [AnnotationRecord], crowd: BoxArray
  ) {
    self.record = record
    self.canvas = canvas
    self.resized = resized
    self.boxes = boxes
    self.labels = labels
    self.annotations = annotations
    self.crowd = crowd
  }
}

extension PipelineImage {
  /// The anchors of ``canvas``, built under the library's anchor limit, checked before
  /// anything is allocated.
  ///
  /// - Throws: ``PipelineError`` (``PipelineError/Code/anchorLimit``) naming the image id,
  ///   file name, stored size and canvas when the canvas needs more than
  ///   `AnchorGenerator.maximumAnchorCount` anchors.
  /// - Complexity: O(anchors).
  public func anchors(_ generator: AnchorGenerator) throws(PipelineError) -> AnchorGrid {
    do {
      return try generator.checkedAnchors(for: canvas)
    } catch {
      throw PipelineError(
        .anchorLimit, at: "image \(record.id) (\(record.fileName))",
        "stored as \(record.width)x\(record.height) (WxH): canvas \(error)")
    }
  }
}
