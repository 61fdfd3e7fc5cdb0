/// How VOC `<bndbox>` values map to detkit's continuous `xyxy` pixel corners (and so to
/// the store's `x, y, width, height`).
///
/// - ``asWritten`` (the default): `x1 = xmin, y1 = ymin, x2 = xmax, y2 = ymax`, so
///   `width = xmax - xmin`. This is what mmdetection's `XMLDataset` does (it truncates to
///   integers; detkit keeps decimals), and what the common converters did when they wrote
///   COCO and YOLO files from VOC (CVAT, Roboflow, and the COCO/YOLO versions of
///   `voc2012_100_multiformat`), so the same boxes arrive identically from all three formats.
/// - ``oneBasedInclusive``: the VOC devkit's own reading. Its values are 1-based inclusive
///   pixel indices (`xmin = 1, xmax = W` covers a whole image W pixels wide); pixel `i`
///   spans the continuous interval `[i - 1, i]`, so
///
///       x1 = xmin - 1,  y1 = ymin - 1,  x2 = xmax,  y2 = ymax     (width = xmax - xmin + 1)
///
///   which is detectron2's `pascal_voc.py` loader ("bbox[0] -= 1.0; bbox[1] -= 1.0").
///
/// The VOC exporter applies the exact inverse of the chosen convention, so an import and an
/// export with the same convention give back the values that were read (printed with at
/// most 9 decimals; whole numbers without a decimal point).
public enum VOCBoxConvention: String, Sendable, CaseIterable {
  /// Values are already continuous corners (mmdetection, CVAT, most converters). The default.
  case asWritten = "as-written"
  /// 1-based inclusive pixel indices (VOC devkit, detectron2): `x1 = xmin - 1`, `x2 = xmax`.
  case oneBasedInclusive = "one-based"

  /// Continuous corners `(x1, y1, x2, y2)` of `object`'s box.
  ///
  /// - Complexity: O(1).
  package func corners(of object: VOCObject) -> (x1: Double, y1: Double, x2: Double, y2: Double) {
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
