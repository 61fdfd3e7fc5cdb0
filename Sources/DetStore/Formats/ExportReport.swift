/// What an export wrote: the records and the files.
public struct ExportReport: Hashable, Sendable {
  /// The dataset exported.
  public var dataset: String
  /// Categories written (all of the dataset's).
  public var categories: Int = 0
  /// Images written (all of the dataset's).
  public var images: Int = 0
  /// Annotations written. A format may leave some out; its exporter's documentation says
  /// which (YOLO: annotations whose category is missing).
  public var annotations: Int = 0
  /// Files written, counting each file once: 1 for a COCO JSON file, one per image for
  /// VOC, one per image plus `data.yaml` for YOLO.
  public var files: Int = 0
  /// What the format could not hold and the export left out or changed, with counts, in
  /// the order found (crowd boxes dropped or marked difficult, COCO `info` / `licenses`,
  /// segmentations, unused categories in VOC, ...). Empty when nothing was lost.
  public var losses: [ExportLoss] = []

  public init(dataset: String) { self.dataset = dataset }
}
