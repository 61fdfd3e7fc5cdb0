import DetGeometry
import DetStore

extension DatasetWalker {
  /// The stored images of one batch and its layout: each image resized to its stated size
  /// (`imageSizes`, from a batch file's metadata) or else by ``resize``, the canvas padded
  /// to `divisor`.
  ///
  /// - Parameters:
  ///   - ids: the batch's images, in batch order.
  ///   - imageSizes: per image, the resized size the model saw, or nil to apply ``resize``
  ///     (``InputResize/none``: the stored size).
  ///   - divisor: the framework's padding divisor.
  ///   - generator: the anchors.
  ///   - location: where the ids come from, for errors (a batch file).
  /// - Throws: ``PipelineError``: ``PipelineError/Code/badInput`` naming `location` and the
  ///   position of an id that is not in the dataset (or not in ``subset``),
  ///   ``PipelineError/Code/unresizableImage`` for a stored size of zero without a stated
  ///   size.
  /// - Precondition: `ids` is not empty; `imageSizes`, when given, has one size per id.
  /// - Complexity: one store lookup per image.
  public func batch(
    _ ids: [RecordID], imageSizes: [ImageSize]? = nil, divisor: Int, generator: AnchorGenerator,
    location: String
  ) throws(PipelineError) -> (records: [ImageRecord], layout: BatchLayout) {
    precondition(imageSizes == nil || imageSizes!.count == ids.count, "one size per image")
    var records: [ImageRecord] = []
    var sizes: [ImageSize] = []
    for (i, id) in ids.enumerated() {
      if let subset, !subset.contains(id) {
        throw PipelineError(
          .badInput, at: location, "image_ids[\(i)] = \(id) is not in the subset \(subset.file)")
      }
      let record: ImageRecord
      do {
        record = try store.image(in: name, id: id)
      } catch {
        throw PipelineError(
          .badInput, at: location, "image_ids[\(i)] = \(id): no such image in dataset \(name)")
      }
      records.append(record)
      if let stated = imageSizes?[i] {
        sizes.append(stated)
        continue
      }
      let stored = ImageSize(height: record.height, width: record.width)
      guard let policy = resize.policy else {
        sizes.append(stored)
        continue
      }
      guard stored.width > 0, stored.height > 0 else {
        throw PipelineError(
          .unresizableImage, at: "image \(record.id) (\(record.fileName))",
          "stored size \(record.width)x\(record.height) cannot be resized; state image_sizes in \(location)"
        )
      }
      sizes.append(policy.resizedSize(of: stored))
    }
    return (
      records,
      BatchLayout(imageSizes: sizes, divisor: divisor, generator: generator, imageIDs: ids)
    )
  }

  /// The layouts of the dataset's images (of ``subset`` when set) taken `batchSize` at a
  /// time in import order, each resized by ``resize``.
  ///
  /// - Throws: what ``batch(_:imageSizes:divisor:generator:location:)`` throws, or a store
  ///   error as ``PipelineError/Code/badInput``.
  /// - Precondition: `batchSize >= 1`.
  /// - Complexity: one pass over the dataset's images.
  public func batches(size batchSize: Int, divisor: Int, generator: AnchorGenerator)
    throws(PipelineError) -> [BatchLayout]
  {
    precondition(batchSize >= 1, "batchSize must be >= 1, got \(batchSize)")
    var ids: [RecordID] = []
    do {
      try store.forEachImage(in: name) { record in
        if let subset, !subset.contains(record.id) { return }
        ids.append(record.id)
      }
    } catch {
      throw PipelineError.wrapping(error, .badInput)
    }
    var layouts: [BatchLayout] = []
    var start = 0
    while start < ids.count {
      let end = min(start + batchSize, ids.count)
      layouts.append(
        try batch(
          Array(ids[start..<end]), divisor: divisor, generator: generator,
          location: "batch \(layouts.count)"
        ).layout)
      start = end
    }
    return layouts
  }
}
