import DetSupport

/// Which images ``AnnotationStore/forEachImage(in:matching:progress:_:)`` lists. Every condition set
/// must hold; the default lists every image.
public struct ImageFilter: Hashable, Sendable {
  /// Images with at least one box of one of these categories (by name); empty: any.
  public var categories: Set<String>
  /// A shell pattern over the stored file name (`*`, `?`, `[...]`, case-sensitive, `*`
  /// crosses `/`), as SQLite's `GLOB`; `nil`: any.
  public var fileGlob: String?
  /// At least this many boxes (crowd ones included); `nil`: no lower bound.
  public var minimumBoxes: Int?
  /// At most this many boxes; `nil`: no upper bound. `0` lists the images without boxes.
  public var maximumBoxes: Int?
  /// `true`: only images with a crowd box; `false`: only images without; `nil`: either.
  public var hasCrowd: Bool?
  /// `true`: only images with a difficult box; `false`: only images without; `nil`: either.
  public var hasDifficult: Bool?

  public init(
    categories: Set<String> = [], fileGlob: String? = nil, minimumBoxes: Int? = nil,
    maximumBoxes: Int? = nil, hasCrowd: Bool? = nil, hasDifficult: Bool? = nil
  ) {
    self.categories = categories
    self.fileGlob = fileGlob
    self.minimumBoxes = minimumBoxes
    self.maximumBoxes = maximumBoxes
    self.hasCrowd = hasCrowd
    self.hasDifficult = hasDifficult
  }

  func accepts(_ listing: ImageListing) -> Bool {
    if !categories.isEmpty, categories.isDisjoint(with: listing.categories) { return false }
    if let minimumBoxes, listing.boxes < minimumBoxes { return false }
    if let maximumBoxes, listing.boxes > maximumBoxes { return false }
    if let hasCrowd, (listing.crowd > 0) != hasCrowd { return false }
    if let hasDifficult, (listing.difficult > 0) != hasDifficult { return false }
    return true
  }
}

/// One image with a summary of its boxes, as `detkit images` lists it.
public struct ImageListing: Hashable, Sendable {
  public var image: ImageRecord
  /// Annotations of the image, crowd and difficult ones included.
  public var boxes: Int
  /// Of `boxes`, how many are crowd regions.
  public var crowd: Int
  /// Of `boxes`, how many are marked difficult (VOC).
  public var difficult: Int
  /// The distinct names of the categories of its boxes, sorted (an annotation whose category
  /// the dataset lacks adds none).
  public var categories: [String]
}

extension AnnotationStore {
  /// Calls `body` with each image of dataset `name` that `filter` accepts, in import order,
  /// with counts of its boxes and the names of their categories.
  ///
  /// - Parameter progress: called with the images read (accepted or not), in
  ///   ``ProgressUnit/images`` (total: the dataset's images): first with 0, then every 4096,
  ///   last with the total.
  /// - Throws: `.notFound` for an unknown dataset; `.sqlite`; anything `body` throws.
  /// - Complexity: O(images + annotations of the dataset) through the (dataset, image)
  ///   index; one image's boxes in memory at a time.
  public func forEachImage(
    in name: String, matching filter: ImageFilter, progress: WorkProgressHandler? = nil,
    _ body: (ImageListing) throws -> Void
  ) throws {
    let id = try requireDataset(named: name)
    var read = 0
    var total = 0
    if progress != nil {
      total = Int(
        try database.scalarInt("SELECT count(*) FROM images WHERE dataset_id = ?", [.int(id)])
          ?? 0)
      progress?(WorkProgress(done: 0, total: total, unit: .images))
    }
    let s = try Statement(
      database: database,
      sql: """
        SELECT i.id, i.original_id, i.file_name, i.width, i.height, i.extra,
          a.id, a.iscrowd, a.difficult, c.name
        FROM images i
        LEFT JOIN annotations a ON a.dataset_id = i.dataset_id AND a.image_id = i.original_id
        LEFT JOIN categories c ON c.dataset_id = a.dataset_id AND c.original_id = a.category_id
        WHERE i.dataset_id = ?1 AND (?2 IS NULL OR i.file_name GLOB ?2)
        ORDER BY i.id
        """)
    s.bind(id, at: 1)
    s.bind(filter.fileGlob, at: 2)
    var current: (row: Int64, listing: ImageListing, names: Set<String>)?
    func flush() throws {
      guard case (_, var listing, let names)? = current else { return }
      listing.categories = names.sorted()
      current = nil
      if filter.accepts(listing) { try body(listing) }
    }
    while try s.step() {
      let row = s.int64(0)
      if current?.row != row {
        try flush()
        read += 1
        if read % 4096 == 0 { progress?(WorkProgress(done: read, total: total, unit: .images)) }
        let image = ImageRecord(
          id: s.recordID(1), fileName: s.string(2), width: s.int(3), height: s.int(4),
          extra: s.optionalString(5))
        current = (
          row, ImageListing(image: image, boxes: 0, crowd: 0, difficult: 0, categories: []), []
        )
      }
      guard !s.isNull(6) else { continue }
      current!.listing.boxes += 1
      if s.bool(7) { current!.listing.crowd += 1 }
      if s.bool(8) { current!.listing.difficult += 1 }
      if !s.isNull(9) { current!.names.insert(s.string(9)) }
    }
    try flush()
    progress?(WorkProgress(done: total, total: total, unit: .images))
  }

  /// The image of dataset `name` that `key` names: its original id (`"2299"` and `2299`
  /// name the same image), else its stored file name, else the last component of its file
  /// name, else that component without its extension (`2007_000027` finds
  /// `JPEGImages/2007_000027.jpg`). The first rule that matches any image decides.
  ///
  /// - Throws: `.notFound` for an unknown dataset or when nothing matches; `.notFound` too
  ///   when a file name or stem matches several images (the message lists up to five, with
  ///   their ids, so the user can pick one by id).
  /// - Complexity: O(log n) for an id (the unique (dataset, id) index); O(images of the
  ///   dataset) otherwise (one scan).
  public func findImage(in name: String, named key: String) throws -> ImageRecord {
    let id = try requireDataset(named: name)
    let columns = "original_id, file_name, width, height, extra"
    let byID = try Statement(
      database: database,
      sql: "SELECT \(columns) FROM images WHERE dataset_id = ? AND original_id = ?")
    byID.bind(id, at: 1)
    byID.bind(RecordID(canonicalizing: key), at: 2)
    if try byID.step() { return Self.imageRow(byID) }

    var exact: [ImageRecord] = []
    var base: [ImageRecord] = []
    var stem: [ImageRecord] = []
    let scan = try Statement(
      database: database, sql: "SELECT \(columns) FROM images WHERE dataset_id = ? ORDER BY id")
    scan.bind(id, at: 1)
    while try scan.step() {
      let fileName = scan.string(1)
      let last = fileName.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
      let lastStem = last.lastIndex(of: ".").map { last[..<$0] } ?? last
      if fileName == key {
        exact.append(Self.imageRow(scan))
      } else if last == key {
        base.append(Self.imageRow(scan))
      } else if lastStem == key {
        stem.append(Self.imageRow(scan))
      }
    }
    for (matches, rule) in [(exact, "file name"), (base, "file name"), (stem, "file stem")]
    where !matches.isEmpty {
      guard matches.count == 1 else {
        let listed = matches.prefix(5).map { "\($0.id) (\($0.fileName))" }
        throw StoreError(
          .notFound,
          "dataset \"\(name)\" has \(matches.count) images with \(rule) \"\(key)\": "
            + listed.joined(separator: ", ") + (matches.count > 5 ? ", ..." : "")
            + "; name one by id")
      }
      return matches[0]
    }
    throw StoreError(
      .notFound, "dataset \"\(name)\" has no image with id, file name or file stem \"\(key)\"")
  }

  private static func imageRow(_ s: Statement) -> ImageRecord {
    ImageRecord(
      id: s.recordID(0), fileName: s.string(1), width: s.int(2), height: s.int(3),
      extra: s.optionalString(4))
  }
}
