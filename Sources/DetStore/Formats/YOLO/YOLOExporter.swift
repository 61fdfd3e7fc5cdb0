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
///
/// Training layout: with ``images`` `link` or `copy`, each image (found at
/// ``imagesFolder``/stored name) is linked or copied to `output/images/...` beside its
/// label; with ``validation``, a second dataset (a part made by `split`, with the same
/// categories) goes to `labels/val`, `images/val` and the exported one to `labels/train`,
/// `images/train`, and `data.yaml` names both, with `path:` the output folder's absolute
/// path, as Ultralytics resolves it.
public struct YOLOExporter: DatasetExporter {
  /// How the images reach the layout.
  public enum ImagePlacement: String, Hashable, Sendable, CaseIterable {
    /// Not at all (labels and data.yaml only).
    case none
    /// Symbolic links to the images' absolute paths.
    case link
    /// Copies.
    case copy
  }

  /// The output folder (created when missing).
  public var path: String
  /// What to do with crowd boxes: ``CrowdPolicy/refuse`` or ``CrowdPolicy/drop``
  /// (``CrowdPolicy/asDifficult`` is refused: YOLO has no difficult flag).
  public var crowd: CrowdPolicy
  /// How the images reach `output/images/`.
  public var images: ImagePlacement
  /// The folder the stored image file names are relative to; needed unless ``images`` is
  /// `.none`.
  public var imagesFolder: String?
  /// A dataset to write as the validation split (`labels/val`, `images/val`).
  public var validation: String?

  public init(
    path: String, crowd: CrowdPolicy = .refuse, images: ImagePlacement = .none,
    imagesFolder: String? = nil, validation: String? = nil
  ) {
    precondition(images == .none || imagesFolder != nil, "placing images needs imagesFolder")
    self.path = path
    self.crowd = crowd
    self.images = images
    self.imagesFolder = imagesFolder
    self.validation = validation
  }

  /// Writes dataset `name` under ``path``.
  ///
  /// - Parameter progress: called now and then with the fraction of images written, in
  ///   [0, 1].
  /// - Returns: the records written (with ``validation``'s images and boxes); `files` is the
  ///   number of label files (one per image), images placed, plus `data.yaml`.
  /// - Throws: `StoreError` `.notFound` for an unknown dataset or (before writing anything)
  ///   images missing under ``imagesFolder``; `.unsupported` (before writing anything) for
  ///   crowd boxes unless ``crowd`` is `.drop`, or a ``validation`` dataset whose categories
  ///   differ; `.io` when two images map to one path, a symbolic link is in the way, or a
  ///   write fails.
  /// - Complexity: O(images + annotations), one indexed query per image.
  @discardableResult
  public func export(
    from store: AnnotationStore, dataset name: String, progress: ProgressHandler? = nil
  ) throws -> ExportReport {
    var report = ExportReport(dataset: name)
    let datasets = [name] + (validation.map { [$0] } ?? [])
    var names: [String] = []
    for (k, dataset) in datasets.enumerated() {
      let crowdCount = try store.checkCrowd(
        in: dataset, policy: crowd, format: "YOLO", canMarkDifficult: false)
      if crowdCount > 0 {
        report.losses.append(ExportLoss("crowd boxes dropped", count: crowdCount))
      }
      var these: [String] = []
      try store.forEachCategory(in: dataset) { these.append($0.name) }
      if k == 0 {
        names = these
      } else if these != names {
        throw StoreError(
          .unsupported,
          "validation dataset \"\(dataset)\" has other categories than \"\(name)\"; export datasets made by one split"
        )
      }
    }
    report.losses += try store.exportLosses(of: name, unusedCategories: false, droppingCrowd: true)
    let sources = try datasets.map { dataset in
      var images: [ImageRecord] = []
      try store.forEachImage(in: dataset) { images.append($0) }
      return images
    }
    if images != .none, let imagesFolder {
      let root = URL(fileURLWithPath: imagesFolder)
      let all = sources.joined()
      let missing = all.filter {
        !FileManager.default.fileExists(atPath: root.appendingPathComponent($0.fileName).path)
      }
      if let first = missing.first {
        throw StoreError(
          .notFound,
          "\(missing.count) of \(all.count) images are not under \(imagesFolder) (first: \(first.fileName)); nothing was written"
        )
      }
    }
    var folder = try OutputFolder(URL(fileURLWithPath: path))
    let total = max(sources.map(\.count).reduce(0, +), 1)
    var done = 0
    for (k, dataset) in datasets.enumerated() {
      let split = validation == nil ? [] : [k == 0 ? "train" : "val"]
      var classes: [RecordID: Int] = [:]
      try store.forEachCategory(in: dataset) { classes[$0.id] = classes.count }
      for image in sources[k] {
        if done % 64 == 0 { progress?(Double(done) / Double(total)) }
        done += 1
        let (parts, fileName, stem) = OutputFolder.exportName(of: image)
        let size = ImageSize(height: image.height, width: image.width)
        var text = ""
        for a in try store.annotations(in: dataset, image: image.id) {
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
          Data(text.utf8), to: ["labels"] + split + parts + [stem + ".txt"],
          owner: "image \(image.id) of \(dataset)")
        if images != .none, let imagesFolder {
          try folder.place(
            URL(fileURLWithPath: imagesFolder).appendingPathComponent(image.fileName),
            at: ["images"] + split + parts + [fileName], owner: "image \(image.id) of \(dataset)",
            linking: images == .link)
          report.files += 1
        }
      }
    }
    try folder.write(
      Data(yaml(dataset: name, names: names).utf8), to: ["data.yaml"], owner: "the class names")
    report.categories = names.count
    report.images = sources.map(\.count).reduce(0, +)
    report.files += report.images + 1
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
    if validation == nil && images == .none {
      text += "# Copy the images to images/ under their stored names.\n"
      text += "path: .\ntrain: images\nval: images\n"
    } else {
      // Ultralytics resolves a relative path: against its datasets folder, not this file.
      let root = URL(fileURLWithPath: path).standardizedFileURL.path
      let (train, val) = validation == nil ? ("images", "images") : ("images/train", "images/val")
      text += "path: \(quoted(root))\ntrain: \(train)\nval: \(val)\n"
    }
    text += "nc: \(names.count)\nnames:\n"
    for (i, name) in names.enumerated() { text += "  \(i): \(quoted(name))\n" }
    return text
  }
}
