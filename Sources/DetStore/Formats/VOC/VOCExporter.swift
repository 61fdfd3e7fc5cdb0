import DetSupport
import Foundation

/// Writes a dataset of an ``AnnotationStore`` as Pascal VOC XML, one file per image, at
/// `output/Annotations/<folders of the file name>/<stem>.xml`.
///
/// Each file has `<filename>` (the stored name's last component), `<folder>` (its folders,
/// when any), `<size>` (width, height; no `<depth>`, which the store does not keep),
/// `<segmented>0`, and one `<object>` per annotation with `<name>`, `<pose>` (when
/// stored), `<truncated>`, `<difficult>`, `<occluded>` (only when set) and `<bndbox>`.
/// Boxes are the inverse of ``convention`` (see ``VOCBoxConvention``), printed with at
/// most 9 decimals and whole numbers without a point. VOC has no crowd flag: a dataset
/// with crowd boxes is refused unless ``crowd`` says to drop them or to write them with
/// `<difficult>1</difficult>` (which VOC evaluation likewise ignores). What VOC has no
/// place for (COCO `info` / `licenses`, segmentations, members kept verbatim, categories
/// without boxes) is counted in ``ExportReport/losses``.
///
/// Stored file names are sanitised (`../../x` becomes `x`, `/abs/p.jpg` becomes
/// `abs/p.jpg`); an image whose name sanitises to nothing is written as `image_<id>.xml`.
public struct VOCExporter: DatasetExporter {
  /// The output folder (created when missing).
  public var path: String
  public var convention: VOCBoxConvention
  /// What to do with crowd boxes (see ``CrowdPolicy``).
  public var crowd: CrowdPolicy

  public init(path: String, convention: VOCBoxConvention = .asWritten, crowd: CrowdPolicy = .refuse)
  {
    self.path = path
    self.convention = convention
    self.crowd = crowd
  }

  /// Writes dataset `name` under ``path``.
  ///
  /// - Parameter progress: called now and then with the fraction of images written, in
  ///   [0, 1].
  /// - Returns: the records written; `files` is the number of XML files (one per image).
  /// - Throws: `StoreError` `.notFound` for an unknown dataset; `.unsupported` (before
  ///   writing anything) for crowd boxes under ``CrowdPolicy/refuse``; `.io` when the output exists
  ///   as a file, two images map to one XML path, a symbolic link is in the way, or a write
  ///   fails.
  /// - Complexity: O(images + annotations), one indexed query per image.
  @discardableResult
  public func export(
    from store: AnnotationStore, dataset name: String, progress: ProgressHandler? = nil
  ) throws -> ExportReport {
    var report = ExportReport(dataset: name)
    let crowdCount = try store.checkCrowd(
      in: name, policy: crowd, format: "Pascal VOC", canMarkDifficult: true)
    if crowdCount > 0 {
      report.losses.append(
        ExportLoss(
          crowd == .drop
            ? "crowd boxes dropped" : "crowd flags (those boxes are written as difficult)",
          count: crowdCount))
    }
    report.losses += try store.exportLosses(
      of: name, unusedCategories: true, droppingCrowd: crowd == .drop)
    var categories: [RecordID: String] = [:]
    try store.forEachCategory(in: name) { categories[$0.id] = $0.name }
    var images: [ImageRecord] = []
    try store.forEachImage(in: name) { images.append($0) }
    var folder = try OutputFolder(URL(fileURLWithPath: path))
    for (done, image) in images.enumerated() {
      if done % 64 == 0 { progress?(Double(done) / Double(images.count)) }
      let (parts, fileName, stem) = OutputFolder.exportName(of: image)
      var annotations = try store.annotations(in: name, image: image.id)
      if crowd == .drop { annotations.removeAll { $0.isCrowd } }
      report.annotations += annotations.count
      let xml = document(
        image: image, fileName: fileName, folder: parts, annotations: annotations,
        categories: categories)
      try folder.write(
        Data(xml.utf8), to: ["Annotations"] + parts + [stem + ".xml"], owner: "image \(image.id)")
    }
    report.categories = categories.count
    report.images = images.count
    report.files = images.count
    progress?(1)
    return report
  }

  private func document(
    image: ImageRecord, fileName: String, folder: [String], annotations: [AnnotationRecord],
    categories: [RecordID: String]
  ) -> String {
    var xml = "<annotation>\n"
    if !folder.isEmpty {
      xml += "\t<folder>\(XMLText.escaped(folder.joined(separator: "/")))</folder>\n"
    }
    xml += "\t<filename>\(XMLText.escaped(fileName))</filename>\n"
    xml +=
      "\t<size>\n\t\t<width>\(image.width)</width>\n\t\t<height>\(image.height)</height>\n\t</size>\n"
    xml += "\t<segmented>0</segmented>\n"
    for a in annotations {
      let v = convention.vocValues(x1: a.x, y1: a.y, x2: a.x + a.width, y2: a.y + a.height)
      xml += "\t<object>\n"
      xml += "\t\t<name>\(XMLText.escaped(categories[a.categoryID] ?? "\(a.categoryID)"))</name>\n"
      if let pose = a.pose { xml += "\t\t<pose>\(XMLText.escaped(pose))</pose>\n" }
      xml += "\t\t<truncated>\(a.isTruncated ? 1 : 0)</truncated>\n"
      xml += "\t\t<difficult>\(a.isDifficult || a.isCrowd ? 1 : 0)</difficult>\n"
      if a.isOccluded { xml += "\t\t<occluded>1</occluded>\n" }
      xml += "\t\t<bndbox>\n"
      for (key, value) in [("xmin", v.xmin), ("ymin", v.ymin), ("xmax", v.xmax), ("ymax", v.ymax)] {
        xml += "\t\t\t<\(key)>\(NumberText.format(value, decimals: 9))</\(key)>\n"
      }
      xml += "\t\t</bndbox>\n\t</object>\n"
    }
    return xml + "</annotation>\n"
  }

}
