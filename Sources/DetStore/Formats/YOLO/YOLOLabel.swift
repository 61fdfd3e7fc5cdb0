import DetGeometry

/// One line of a YOLO label file: a class index and a box normalised by the image size.
///
/// A detection line is `class cx cy w h` (centre and size, each divided by the image
/// width or height, so the image spans `[0, 1]`). An Ultralytics segmentation line,
/// `class x1 y1 x2 y2 ... xn yn` with at least 3 points, is read too: its box is the
/// polygon's extent (as Ultralytics' `segments2boxes` does) and the polygon is kept.
package struct YOLOLabel: Hashable, Sendable {
  /// 0-based index into the class-name list.
  package var classIndex: Int
  /// Box centre x, normalised by the image width.
  package var centerX: Double
  /// Box centre y, normalised by the image height.
  package var centerY: Double
  /// Box width, normalised by the image width.
  package var width: Double
  /// Box height, normalised by the image height.
  package var height: Double
  /// The normalised polygon `[x1, y1, x2, y2, ...]` of a segmentation line, else `nil`.
  package var polygon: [Double]?
  /// 1-based line in its file (0 when built in code).
  package var line: Int

  package init(
    classIndex: Int, centerX: Double, centerY: Double, width: Double, height: Double,
    polygon: [Double]? = nil, line: Int = 0
  ) {
    self.classIndex = classIndex
    self.centerX = centerX
    self.centerY = centerY
    self.width = width
    self.height = height
    self.polygon = polygon
    self.line = line
  }

  /// Pixel corners in an image of `size` (the EXIF-oriented size; see ``ImageHeader``):
  ///
  ///     x1 = (cx - w/2) * W,  x2 = (cx + w/2) * W,  y1 = (cy - h/2) * H,  y2 = (cy + h/2) * H
  ///
  /// computed in `Double`. No clipping: a box reaching outside `[0, 1]` stays outside.
  ///
  /// - Complexity: O(1).
  package func corners(in size: ImageSize) -> (x1: Double, y1: Double, x2: Double, y2: Double) {
    let w = Double(size.width)
    let h = Double(size.height)
    return (
      (centerX - width / 2) * w, (centerY - height / 2) * h,
      (centerX + width / 2) * w, (centerY + height / 2) * h
    )
  }

  /// The label of pixel corners in an image of `size`: the inverse of ``corners(in:)``,
  ///
  ///     cx = (x1 + x2) / 2 / W,  w = (x2 - x1) / W   (and likewise for y with H).
  ///
  /// - Complexity: O(1).
  package init(classIndex: Int, x1: Double, y1: Double, x2: Double, y2: Double, in size: ImageSize)
  {
    let w = Double(size.width)
    let h = Double(size.height)
    self.init(
      classIndex: classIndex, centerX: (x1 + x2) / 2 / w, centerY: (y1 + y2) / 2 / h,
      width: (x2 - x1) / w, height: (y2 - y1) / h)
  }
}
