import DetSupport
import Foundation

/// Where a parsed record starts: its array, index and byte offset.
struct COCOPlace: Sendable {
  /// `images`, `annotations`, `categories`, or `""` for a top-level array.
  var section: String
  var index: Int
  var offset: Int

  /// The full location; scans the file up to `offset` for line and column, so it is only
  /// built when an error needs it.
  func location(in file: MappedFile, at offset: Int? = nil, path: String? = nil) -> SourceLocation {
    let (line, column) = JSONScanner(base: file.base, count: file.count)
      .lineAndColumn(of: offset ?? self.offset)
    return SourceLocation(
      file: file.path, line: line, column: column, path: path ?? "\(section)[\(index)]")
  }
}

/// One parsed record on its way to the `DatasetWriter`.
enum COCOItem: Sendable {
  case category(CategoryRecord, COCOPlace)
  case image(ImageRecord, COCOPlace)
  case annotation(AnnotationRecord, COCOPlace)
  case detection(DetectionRecord, COCOPlace)
  /// The top-level object without its record arrays (see `DatasetWriter.keepDocument`).
  case document(String)
  /// A record the parser found invalid: reason, message, its id when known, whether it was
  /// an annotation (to keep the numbering), the offset and JSON path of the problem (the
  /// record's path when `nil`).
  case invalid(
    SkipReason, String, RecordID?, isAnnotation: Bool, offset: Int, path: String?, COCOPlace)
}

/// Parses on a second thread while the calling thread validates and inserts: tokenising
/// and SQLite each take about half of an import, so the two overlap. Records travel in
/// batches through a bounded queue (memory stays at a few batches). The first error on
/// either side stops both; the parser's errors arrive after the records before them.
enum COCOPipeline {
  static let batchSize = 512
  static let queueDepth = 8

  static func run(
    file: MappedFile, progress: (@Sendable (Double) -> Void)?, writer: DatasetWriter,
    parse: @escaping @Sendable (inout COCOStream) throws -> Void
  ) throws {
    let queue = BatchQueue(depth: queueDepth)
    let parser = Thread {
      var batch: [COCOItem] = []
      batch.reserveCapacity(batchSize)
      var stream = COCOStream(file: file, progress: progress) { item in
        batch.append(item)
        if batch.count == batchSize {
          guard queue.push(batch) else { throw CancellationError() }
          batch.removeAll(keepingCapacity: true)
        }
      }
      do {
        try stream.reportingLocation(parse)
        if !batch.isEmpty { _ = queue.push(batch) }
        queue.finish(nil)
      } catch is CancellationError {
        queue.finish(nil)
      } catch {
        queue.finish(error)
      }
    }
    parser.stackSize = 1 << 20
    parser.start()
    defer {
      queue.cancel()
      queue.waitUntilFinished()
    }
    while let batch = try queue.pop() {
      for item in batch { try deliver(item, to: writer, file: file) }
    }
  }

  private static func deliver(_ item: COCOItem, to writer: DatasetWriter, file: MappedFile) throws {
    switch item {
    case .category(let record, let place): try writer.add(record, at: place.location(in: file))
    case .image(let record, let place): try writer.add(record, at: place.location(in: file))
    case .annotation(let record, let place): try writer.add(record, at: place.location(in: file))
    case .detection(let record, let place): try writer.add(record, at: place.location(in: file))
    case .document(let skeleton): try writer.keepDocument(skeleton)
    case .invalid(
      let reason, let message, let id, let isAnnotation, let offset, let path, let place):
      try writer.skip(
        reason, message, recordID: id, isAnnotation: isAnnotation,
        at: place.location(in: file, at: offset, path: path))
    }
  }
}

/// A bounded FIFO of record batches between the parser thread and the writer.
private final class BatchQueue: @unchecked Sendable {
  // All state is guarded by `condition`.
  private let condition = NSCondition()
  private var batches: [[COCOItem]] = []
  private let depth: Int
  private var cancelled = false
  private var finished = false
  private var failure: (any Error)?

  init(depth: Int) { self.depth = depth }

  /// Blocks while full. Returns `false` when the consumer has cancelled.
  func push(_ batch: [COCOItem]) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    while batches.count >= depth && !cancelled { condition.wait() }
    guard !cancelled else { return false }
    batches.append(batch)
    condition.broadcast()
    return true
  }

  /// The producer is done; `error` is rethrown to the consumer after the last batch.
  func finish(_ error: (any Error)?) {
    condition.lock()
    failure = error
    finished = true
    condition.broadcast()
    condition.unlock()
  }

  /// The next batch; `nil` at the end; throws the producer's error at the end.
  func pop() throws -> [COCOItem]? {
    condition.lock()
    defer { condition.unlock() }
    while batches.isEmpty && !finished { condition.wait() }
    if !batches.isEmpty {
      let batch = batches.removeFirst()
      condition.broadcast()
      return batch
    }
    if let failure { throw failure }
    return nil
  }

  /// The consumer stops: a blocked producer wakes and gives up.
  func cancel() {
    condition.lock()
    cancelled = true
    condition.broadcast()
    condition.unlock()
  }

  func waitUntilFinished() {
    condition.lock()
    while !finished { condition.wait() }
    condition.unlock()
  }
}
