import Foundation
import Testing

@testable import DetSupport

/// Collects what a tally reports (from any thread).
private final class Reports: @unchecked Sendable {
  private let lock = NSLock()
  private var seen: [WorkProgress] = []
  func record(_ progress: WorkProgress) { lock.withLock { seen.append(progress) } }
  var all: [WorkProgress] { lock.withLock { seen } }
}

/// Additions from many threads all count; the largest report is the sum, every report names
/// the unit, and `finish` closes the total at what was done.
@Test func tallyCountsAdditionsFromEveryThread() {
  let reports = Reports()
  let tally = WorkTally({ reports.record($0) }, total: 10_000, unit: .steps)
  tally.report()
  DispatchQueue.concurrentPerform(iterations: 1_000) { _ in tally.add(7) }
  #expect(tally.done == 7_000)
  #expect(reports.all.count == 1_001)
  #expect(reports.all.map(\.done).max() == 7_000)
  #expect(reports.all.allSatisfy { $0.unit == .steps && $0.total == 10_000 })
  tally.finish()
  #expect(reports.all.last == WorkProgress(done: 10_000, total: 10_000, unit: .steps))
}

/// A total learnt as the work goes: `expect` raises it to fit what is coming, never lowers
/// it; more than expected reports as the total (``WorkProgress`` clamps) until `finish`
/// closes the total at everything done.
@Test func tallyLearnsItsTotal() {
  let reports = Reports()
  let tally = WorkTally({ reports.record($0) }, unit: .records)
  tally.expect(5)
  tally.add(3)
  tally.expect(1)
  tally.add(4)
  tally.finish()
  #expect(
    reports.all == [
      WorkProgress(done: 3, total: 5, unit: .records),
      WorkProgress(done: 5, total: 5, unit: .records),
      WorkProgress(done: 7, total: 7, unit: .records),
    ])
}
