/// What a long-running library call counts when it reports progress.
public enum ProgressUnit: String, Sendable, Hashable, CaseIterable {
  /// Images of a dataset (coverage, targets, losses, exports).
  case images
  /// Bytes of an input file (streaming imports).
  case bytes
  /// Files of a folder (VOC, YOLO).
  case files
  /// Records of any other kind (annotations, detections).
  case records
  /// Steps of a computation that has no natural record (evaluation: each image-category
  /// group matched, then each category accumulated).
  case steps
}

/// A snapshot of long-running work: `done` units out of `total` (`nil` when the total is not
/// known in advance).
///
/// Library modules never print: a long call takes a ``WorkProgressHandler`` and calls it now
/// and then with one of these; the command-line tool turns the calls into a progress bar
/// (done / total, rate, time left). `done` never decreases within one call and never exceeds
/// a known `total`.
public struct WorkProgress: Sendable, Hashable {
  /// Units finished so far (>= 0).
  public var done: Int
  /// Units in all, when known (>= `done`); `nil` for an open-ended stream.
  public var total: Int?
  /// What `done` and `total` count.
  public var unit: ProgressUnit

  /// A snapshot; `done` is clamped to `0 ... total`.
  public init(done: Int, total: Int?, unit: ProgressUnit) {
    let total = total.map { max(0, $0) }
    self.done = min(max(0, done), total ?? .max)
    self.total = total
    self.unit = unit
  }

  /// `done / total` in [0, 1]; `nil` when the total is unknown; 1 for a total of 0.
  public var fraction: Double? {
    guard let total else { return nil }
    return total == 0 ? 1 : Double(done) / Double(total)
  }
}

/// How a long-running library call reports ``WorkProgress``.
///
/// `@Sendable` because work split across cores reports from worker threads: a handler must
/// tolerate concurrent calls, and calls from several threads may arrive out of order (a
/// handler keeps the largest `done` it has seen). A call may come as often as once per unit of
/// work (per image), so a handler must be cheap: throttle any drawing by time.
public typealias WorkProgressHandler = @Sendable (WorkProgress) -> Void
