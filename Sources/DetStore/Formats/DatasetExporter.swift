/// A writer of one annotation format (COCO, Pascal VOC, YOLO) that exports a dataset of an
/// ``AnnotationStore``.
///
/// Every format's exporter has this one entry point; its own configuration (the output
/// path, box convention, ...) lives in the conforming value, and every exporter answers
/// with an ``ExportReport``.
public protocol DatasetExporter: Sendable {
  /// Writes dataset `name` of `store`.
  ///
  /// - Parameters:
  ///   - store: the store to read.
  ///   - name: the dataset to export.
  ///   - progress: called now and then with the fraction done, in [0, 1]; `nil` for none.
  /// - Returns: what was written.
  /// - Throws: `StoreError` (`.notFound` for an unknown dataset, `.io`, `.sqlite`).
  @discardableResult
  func export(from store: AnnotationStore, dataset name: String, progress: ProgressHandler?)
    throws -> ExportReport
}
