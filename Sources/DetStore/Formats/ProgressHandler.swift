/// How an importer or exporter reports progress: called now and then with the fraction of
/// the work done, in [0, 1], non-decreasing; most end with a call with 1.
///
/// `@Sendable` because a reader may call it from a worker thread (the COCO importer
/// tokenises and writes on two threads). Calls are frequent only up to about one per
/// percent of work, so a handler may redraw a terminal line each time.
public typealias ProgressHandler = @Sendable (Double) -> Void
