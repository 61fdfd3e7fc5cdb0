/// One category (class) of a dataset.
public struct CategoryRecord: Hashable, Sendable {
  /// The id the source format gave (COCO `id`; YOLO class number; VOC: the importer's choice).
  public var id: RecordID
  public var name: String
  /// COCO `supercategory`; `nil` when the source has none.
  public var supercategory: String?
  /// The contiguous 0-based training index: the rank of `id` among the dataset's category
  /// ids in ascending order (integers before text), detectron2's
  /// `thing_dataset_id_to_contiguous_id` convention. Assigned by the store when the import
  /// ends; ignored on input, set on records read back.
  public var index: Int?
  /// Source members the typed fields do not reproduce (LVIS `frequency`, `synonyms`,
  /// `def`, ...), as the text of a JSON object kept verbatim; see `ImageRecord.extra`.
  public var extra: String?

  public init(
    id: RecordID, name: String, supercategory: String? = nil, index: Int? = nil,
    extra: String? = nil
  ) {
    self.id = id
    self.name = name
    self.supercategory = supercategory
    self.index = index
    self.extra = extra
  }
}
