/// One Pascal VOC annotation file: an image and its objects, values as written.
///
/// Child elements may come in any order (VOC2009+ files put `<size>` after the objects
/// and write `xmax` before `xmin`), coordinates may be integers or decimals (CVAT writes
/// `174.0`), and person-layout `<part>`, action `<actions>`/`<point>` and unknown
/// elements are ignored. See ``VOCBoxConvention`` for how coordinates become boxes.
package struct VOCAnnotation: Hashable, Sendable {
  /// `<filename>`: the image's file name.
  package var fileName: String
  /// `<folder>`, when present and non-empty.
  package var folder: String?
  /// `<size>`, when present with positive width and height.
  package var size: Size?
  /// `<segmented>` as a flag, when present.
  package var segmented: Bool?
  /// The direct `<object>` children, in document order.
  package var objects: [VOCObject]

  /// The image size block of a VOC file.
  package struct Size: Hashable, Sendable {
    package var width: Int
    package var height: Int
    /// `<depth>`: 3 for colour, 1 for grey; `nil` when absent or empty (CVAT).
    package var depth: Int?

    package init(width: Int, height: Int, depth: Int? = nil) {
      self.width = width
      self.height = height
      self.depth = depth
    }
  }

  package init(
    fileName: String, folder: String? = nil, size: Size? = nil, segmented: Bool? = nil,
    objects: [VOCObject] = []
  ) {
    self.fileName = fileName
    self.folder = folder
    self.size = size
    self.segmented = segmented
    self.objects = objects
  }
}

/// One `<object>` of a VOC file, with its box as written.
package struct VOCObject: Hashable, Sendable {
  /// `<name>`: the class name, surrounding whitespace removed.
  package var name: String
  /// `<bndbox>` values exactly as written: VOC's 1-based pixel indices in the original
  /// devkit files, plain corners in some converters' output (see ``VOCBoxConvention``).
  package var xmin: Double
  package var ymin: Double
  package var xmax: Double
  package var ymax: Double
  /// `<pose>` (`Frontal`, `Left`, `Unspecified`, ...), `nil` when absent or empty.
  package var pose: String?
  /// `<truncated>`, `nil` when absent.
  package var truncated: Bool?
  /// `<difficult>`, `nil` when absent.
  package var difficult: Bool?
  /// `<occluded>`, `nil` when absent.
  package var occluded: Bool?
  /// 1-based line of the `<object>` start tag in its file (0 when built in code).
  package var line: Int

  package init(
    name: String, xmin: Double, ymin: Double, xmax: Double, ymax: Double,
    pose: String? = nil, truncated: Bool? = nil, difficult: Bool? = nil, occluded: Bool? = nil,
    line: Int = 0
  ) {
    self.name = name
    self.xmin = xmin
    self.ymin = ymin
    self.xmax = xmax
    self.ymax = ymax
    self.pose = pose
    self.truncated = truncated
    self.difficult = difficult
    self.occluded = occluded
    self.line = line
  }
}
