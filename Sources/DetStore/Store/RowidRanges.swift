/// Calls `body(low, high)` for consecutive ranges of `size` rowids covering
/// `first ... last`, in order (the last range may be shorter); never when `first > last`.
///
/// The store's long writes (copying a dataset's images, moving a category's boxes) go
/// range by range inside one transaction, so a progress bar can follow them.
///
/// - Precondition: `size > 0`.
/// - Complexity: O((last - first) / size) calls.
func forEachRowidRange(
  from first: Int64, through last: Int64, size: Int64,
  _ body: (_ low: Int64, _ high: Int64) throws -> Void
) rethrows {
  precondition(size > 0, "rowid ranges need a positive size, got \(size)")
  var low = first
  while low <= last {
    let high = low + min(size - 1, last - low)
    try body(low, high)
    if high == last { break }
    low = high + 1
  }
}
