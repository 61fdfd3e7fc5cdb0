/// How VOC `<bndbox>` values map to detkit's continuous `xyxy` pixel corners.
///
/// The VOC devkit writes 1-based, inclusive pixel indices: `xmin = 1, xmax = W` covers a
/// whole image W pixels wide. Pixel `i` (1-based) spans the continuous interval
/// `[i - 1, i]`, so
///
///     x1 = xmin - 1,  y1 = ymin - 1,  x2 = xmax,  y2 = ymax     (width = xmax - xmin + 1)
///
/// That is ``oneBasedInclusive``, the default, and what detectron2's `pascal_voc.py`
/// loader does ("bbox[0] -= 1.0; bbox[1] -= 1.0"). mmdetection's `XMLDataset` takes the
/// values as they are (truncated to integers), and so do most converters (CVAT, the
/// Roboflow / review_object_detection_metrics COCO and YOLO files of the same boxes):
/// that is ``asWritten``, `x1 = xmin, y1 = ymin, x2 = xmax, y2 = ymax`.
///
/// The VOC exporter applies the exact inverse of the chosen convention, so an import and
/// an export with the same convention give back the values that were read (printed with
/// at most 9 decimals; integers as integers).
public enum VOCBoxConvention: String, Sendable, CaseIterable {
  /// 1-based inclusive pixel indices (VOC devkit, detectron2): `x1 = xmin - 1`, `x2 = xmax`.
  case oneBasedInclusive = "one-based"
  /// Values are already continuous corners (mmdetection, CVAT, most converters).
  case asWritten = "as-written"

  /// Continuous corners `(x1, y1, x2, y2)` of `object`'s box.
  ///
  /// - Complexity: O(1).
  public func corners(of object: VOCObject) -> (x1: Double, y1: Double, x2: Double, y2: Double) {
    switch self {
    case .oneBasedInclusive: (object.xmin - 1, object.ymin - 1, object.xmax, object.ymax)
    case .asWritten: (object.xmin, object.ymin, object.xmax, object.ymax)
    }
  }

  /// The VOC values `(xmin, ymin, xmax, ymax)` of continuous corners: the inverse of
  /// ``corners(of:)``.
  ///
  /// - Complexity: O(1).
  public func vocValues(x1: Double, y1: Double, x2: Double, y2: Double) -> (
    xmin: Double, ymin: Double, xmax: Double, ymax: Double
  ) {
    switch self {
    case .oneBasedInclusive: (x1 + 1, y1 + 1, x2, y2)
    case .asWritten: (x1, y1, x2, y2)
    }
  }
}
