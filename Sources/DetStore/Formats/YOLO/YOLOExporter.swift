import DetGeometry
import Foundation

/// Writes a dataset of an ``AnnotationStore`` in the Ultralytics YOLO layout: one label
/// file per image at `output/labels/<folders of the file name>/<stem>.txt` and
/// `output/data.yaml` with the class names.
///
/// The class number of a category is its contiguous training index (the rank of its id,
/// see `CategoryRecord.index`), and `data.yaml` lists the names under `names:` as an index
/// map, with `nc`, `path: .` and `train`/`val: images` so Ultralytics finds the images
/// once they are copied to `output/images/` with their stored names. Each line is
/// `class cx cy w h`, normalised by the stored image size, printed with at most 10
/// decimals (so normalised values read from a YOLO file with up to 10 decimals come back
/// exactly). Images without annotations get an empty file (a background image). Polygons
/// are not written: only boxes. Images are not copied. YOLO has no crowd flag: a dataset
/// with crowd boxes is refused unless ``crowd`` is ``CrowdPolicy/drop``. What YOLO has no
/// place for (COCO `info` / `licenses`, segmentations, members kept verbatim) is counted
/// in ``ExportReport/losses``.
///
/// Stored file names are sanitised as by the VOC exporter.
public struct YOLOExporter: DatasetExporter {
  /// The output folder (created when missing).
  public var path: String
  /// What to do with crowd boxes: ``CrowdPolicy/refuse`` or ``CrowdPolicy/drop``
  /// (``CrowdPolicy/asDifficult`` is refused: YOLO has no difficult flag).
  public var crowd: CrowdPolicy

  public init(path: String, crowd: CrowdPolicy = .refuse) {
    self.path = path
    self.crowd = crowd
  }

  /// Writes dataset `name` under ``path``.
  ///
  /// - Parameter progress: called now and then with the fraction of images written, in
  ///   [0, 1].
  /// - Returns: the records written; `files` is the number of label files (one per image)
  ///   plus `data.yaml`.
  /// - Throws: `StoreError` `.notFound` for an unknown dataset; `.unsupported` (before
  ///   writing anything) for crowd boxes unless ``crowd`` is `.drop`; `.io` when two images map
  ///   to one label path, a symbolic link is in the way, or a write fails.
  /// - Complexity: O(images + annotations), one indexed query per image.
  @discardableResult
  public func export(
    from store: AnnotationStore, dataset name: String, progress: ProgressHandler? = nil
  ) throws -> ExportReport {
    var report = ExportReport(dataset: name)
    let crowdCount = try store.checkCrowd(
      in: name, policy: crowd, format: "YOLO", canMarkDifficult: false)
    if crowdCount > 0 { report.losses.append(ExportLoss("crowd boxes dropped", count: crowdCount)) }
    report.losses += try store.exportLosses(of: name, unusedCategories: false, droppingCrowd: true)
    var classes: [RecordID: Int] = [:]
    var names: [String] = []
    try store.forEachCategory(in: name) { category in
      classes[category.id] = names.count
      names.append(category.name)
    }
    var images: [ImageRecord] = []
    try store.forEachImage(in: name) { images.append($0) }
    var folder = try OutputFolder(URL(fileURLWithPath: path))
    for (done, image) in images.enumerated() {
      if done % 64 == 0 { progress?(Double(done) / Double(images.count)) }
      let (parts, _, stem) = OutputFolder.exportName(of: image)
      let size = ImageSize(height: image.height, width: image.width)
      var text = ""
      for a in try store.annotations(in: name, image: image.id) {
        guard let cls = classes[a.categoryID], !a.isCrowd else { continue }
        report.annotations += 1
        let label = YOLOLabel(
          classIndex: cls, x1: a.x, y1: a.y, x2: a.x + a.width, y2: a.y + a.height, in: size)
        text += "\(cls)"
        for v in [label.centerX, label.centerY, label.width, label.height] {
          text += " " + NumberText.format(v, decimals: 10)
        }
        text += "\n"
      }
      try folder.write(
        Data(text.utf8), to: ["labels"] + parts + [stem + ".txt"], owner: "image \(image.id)")
    }
    try folder.write(
      Data(yaml(dataset: name, names: names).utf8), to: ["data.yaml"], owner: "the class names")
    report.categories = names.count
    report.images = images.count
    report.files = images.count + 1
    progress?(1)
    return report
  }

  /// The dataset YAML: names as an index map, every name single-quoted.
  func yaml(dataset: String, names: [String]) -> String {
    func quoted(_ s: String) -> String {
      "'" + s.replacingOccurrences(of: "'", with: "''").replacingOccurrences(of: "\n", with: " ")
        + "'"
    }
    var text = "# Written by detkit export yolo from dataset \(quoted(dataset)).\n"
    text += "# Copy the images to images/ under their stored names.\n"
    text += "path: .\ntrain: images\nval: images\nnc: \(names.count)\nnames:\n"
    for (i, name) in names.enumerated() { text += "  \(i): \(quoted(name))\n" }
    return text
  }
}
