import Foundation

/// A running count of finished work for a ``WorkProgressHandler``: `done` of `total` units,
/// reported after each addition. Safe to share between worker threads (the count is kept
/// under a lock; the handler is called outside it, so calls from two threads may arrive out
/// of order, as the handler's contract allows).
public final class WorkTally: @unchecked Sendable {
  private let lock = NSLock()
  private let handler: WorkProgressHandler?
  private let unit: ProgressUnit
  private var totalUnits: Int
  private var doneUnits = 0

  /// A tally of `unit` towards `total` (0 when the caller learns it as it goes: see
  /// ``expect(_:)``). Nothing is reported until ``report()`` or ``add(_:)``.
  public init(_ handler: WorkProgressHandler?, total: Int = 0, unit: ProgressUnit) {
    self.handler = handler
    self.totalUnits = total
    self.unit = unit
  }

  /// Units finished so far.
  public var done: Int { lock.withLock { doneUnits } }

  /// Raises the total so that `count` more units fit (a total known up front stays).
  public func expect(_ count: Int) {
    lock.withLock { totalUnits = max(totalUnits, doneUnits + count) }
  }

  /// Adds `count` finished units and reports.
  public func add(_ count: Int) {
    let state = lock.withLock {
      doneUnits += count
      return (doneUnits, totalUnits)
    }
    handler?(WorkProgress(done: state.0, total: state.1, unit: unit))
  }

  /// Reports the current state (at the start, so a bar appears before the first unit).
  public func report() {
    let state = lock.withLock { (doneUnits, totalUnits) }
    handler?(WorkProgress(done: state.0, total: state.1, unit: unit))
  }

  /// Reports the whole total as done (the work finished).
  public func finish() {
    let state = lock.withLock {
      doneUnits = max(doneUnits, totalUnits)
      totalUnits = doneUnits
      return (doneUnits, totalUnits)
    }
    handler?(WorkProgress(done: state.0, total: state.1, unit: unit))
  }
}
