/// A reader of one annotation format (COCO, Pascal VOC, YOLO) that imports a dataset into an
/// ``AnnotationStore``, in one transaction: the dataset lands whole or the store is unchanged.
///
/// Every format's importer has this one entry point. Its own configuration (the path to
/// read, box convention, class list, ...) lives in the conforming value; what is common to
/// all formats (the dataset's name, ``ImportOptions``, progress) is passed here, and every
/// importer answers with an ``ImportReport``.
///
/// A new format conforms by parsing its input and handing records to
/// ``AnnotationStore/importDataset(named:format:source:options:_:)``'s ``DatasetWriter``.
public protocol DatasetImporter: Sendable {
  /// Imports the input as dataset `name` of `store` (one transaction).
  ///
  /// - Parameters:
  ///   - store: the store to write into.
  ///   - name: the dataset's name in the store (non-empty).
  ///   - options: replace or fail on an existing name, validation policy, clipping.
  ///   - progress: called now and then with the fraction done, in [0, 1]; `nil` for none.
  /// - Returns: counts of stored and skipped records, and warnings.
  /// - Throws: `StoreError` (`.io`, `.malformedInput`, `.invalidRecord` under the strict
  ///   policy, `.datasetExists` without `options.replace`, `.sqlite`). On any error the
  ///   store is unchanged.
  @discardableResult
  func importDataset(
    into store: AnnotationStore, named name: String, options: ImportOptions,
    progress: ProgressHandler?
  ) throws -> ImportReport
}
