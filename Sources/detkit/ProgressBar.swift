import ArgumentParser
import DetSupport
import Foundation

/// `--progress` values: when a long command draws its progress bar on stderr.
enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
  /// Only when stderr is a terminal (pipes, files and JSON consumers see nothing).
  case auto
  /// Always, even into a pipe or file.
  case always
  /// Never.
  case never
}

/// The `--progress` option every long-running command shares.
struct ProgressOptions: ParsableArguments {
  @Option(help: "Progress bar on stderr: auto (only when stderr is a terminal), always, never.")
  var progress: ProgressMode = .auto

  /// A bar labelled `label`, enabled per `--progress`.
  func bar(_ label: String, unit: ProgressUnit = .images, total: Int? = nil) -> ProgressBar {
    ProgressBar(label, enabled: progress.isEnabled, unit: unit, total: total)
  }

  /// The size in bytes of the file at `path`; `nil` when it cannot be read (a FIFO, stdin).
  static func fileSize(_ path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
    return Int(info.st_size)
  }
}

extension ProgressMode {
  /// Whether a bar is drawn: `auto` asks whether stderr is a terminal.
  var isEnabled: Bool {
    switch self {
    case .auto: isatty(STDERR_FILENO) != 0
    case .always: true
    case .never: false
    }
  }
}

/// A one-line progress bar on stderr: done / total, rate and time left.
///
/// Feed it ``WorkProgress`` snapshots (`update(_:)`, from any thread), fractions from a
/// DetStore ``ProgressHandler`` (`update(fraction:)`) or single steps (`advance()`). It
/// redraws at most every ``redrawInterval`` seconds, so a call per unit of work costs a lock
/// and a clock read; ``finish()`` draws the final state and ends the line with a newline. A
/// disabled bar ignores every call. Unknown totals show the count, the rate and the time
/// elapsed.
///
/// `@unchecked Sendable`: every mutable field is guarded by `lock`.
final class ProgressBar: @unchecked Sendable {
  /// Seconds between redraws (at most ten a second).
  static let redrawInterval = 0.1

  private let label: String
  private let enabled: Bool
  private let lock = NSLock()
  private let start = DispatchTime.now().uptimeNanoseconds
  private var unit: ProgressUnit
  private var total: Int?
  private var done = 0
  private var updated = false
  private var lastDraw: UInt64 = 0
  private var finished = false
  /// Set by `update(fraction:)` without a total: the bar counts per mille, shown as percent.
  private var perMille = false

  /// A bar for `total` units of `unit` (`nil`: unknown or learnt from the updates).
  init(_ label: String, enabled: Bool, unit: ProgressUnit = .images, total: Int? = nil) {
    self.label = label
    self.enabled = enabled
    self.unit = unit
    self.total = total
  }

  /// Records `progress` (keeping the largest `done` seen) and redraws if due.
  func update(_ progress: WorkProgress) {
    guard enabled else { return }
    lock.lock()
    defer { lock.unlock() }
    unit = progress.unit
    if let t = progress.total { total = t }
    done = max(done, progress.done)
    updated = true
    drawIfDue()
  }

  /// Records a fraction in [0, 1] of the bar's `total` (for DetStore's fraction handlers); with
  /// no total, the bar counts per mille and shows a percentage.
  func update(fraction: Double) {
    guard enabled else { return }
    let f = fraction.isFinite ? min(max(fraction, 0), 1) : 0
    lock.lock()
    defer { lock.unlock() }
    if total == nil {
      total = 1000
      perMille = true
    }
    let scale = total ?? 1000
    done = max(done, Int((f * Double(scale)).rounded(.down)))
    updated = true
    drawIfDue()
  }

  /// One more unit done.
  func advance(by count: Int = 1) {
    guard enabled else { return }
    lock.lock()
    defer { lock.unlock() }
    done += count
    updated = true
    drawIfDue()
  }

  /// Draws the final state and a newline (once; nothing if no update ever came).
  func finish() {
    guard enabled else { return }
    lock.lock()
    defer { lock.unlock() }
    guard updated, !finished else { return }
    finished = true
    let line = Self.line(
      label: label, done: done, total: total, unit: unit, percent: perMille, elapsed: elapsed(),
      final: true)
    FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K\n").utf8))
  }

  private func elapsed() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }

  /// Caller holds `lock`.
  private func drawIfDue() {
    guard !finished else { return }
    let now = DispatchTime.now().uptimeNanoseconds
    guard lastDraw == 0 || now - lastDraw >= UInt64(Self.redrawInterval * 1e9) else { return }
    lastDraw = now
    let line = Self.line(
      label: label, done: done, total: total, unit: unit, percent: perMille,
      elapsed: Double(now - start) / 1e9, final: false)
    FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
  }

  // MARK: - Formatting

  /// The bar's text (no carriage return): `label [####....] done/total unit  rate/s  ETA m:ss`;
  /// with an unknown total `label done unit  rate/s  m:ss elapsed`; a final line shows
  /// `in m:ss` instead of the time left. Bytes print in MB; with `percent`, `done` and `total`
  /// are parts of the whole and print as a percentage. The rate is the average since the start; no rate (`--`) before
  /// any time has passed or anything is done.
  static func line(
    label: String, done: Int, total: Int?, unit: ProgressUnit, percent: Bool = false,
    elapsed: Double, final: Bool
  ) -> String {
    let name = label.count > 32 ? "…" + label.suffix(31) : label
    let rate = elapsed > 0 && done > 0 ? Double(done) / elapsed : nil
    let percentOnly = percent && total != nil
    var parts = [name]
    if let total {
      let fraction = total == 0 ? 1 : min(1, Double(done) / Double(total))
      let filled = Int((fraction * 20).rounded(.down))
      parts.append(
        "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled)
          + "]")
      if percentOnly {
        parts.append(String(format: "%5.1f%%", fraction * 100))
      } else {
        parts.append("\(amount(done, unit: unit, withUnit: false))/\(amount(total, unit: unit))")
      }
    } else {
      parts.append(amount(done, unit: unit))
    }
    if let rate {
      let share = rate * 100 / Double(max(1, total ?? 1))
      parts.append(percentOnly ? String(format: "%.1f%%/s", share) : rateText(rate, unit: unit))
    } else {
      parts.append("--/s")
    }
    if final || total == nil {
      parts.append(final ? "in \(clock(elapsed))" : "\(clock(elapsed)) elapsed")
    } else if let total, let rate {
      parts.append("ETA \(clock(Double(max(0, total - done)) / rate))")
    } else {
      parts.append("ETA --:--")
    }
    return parts.joined(separator: "  ")
  }

  /// `count` in the unit's display form: bytes in MB with one decimal, else the integer.
  static func amount(_ count: Int, unit: ProgressUnit, withUnit: Bool = true) -> String {
    if unit == .bytes {
      let text = String(format: "%.1f", Double(count) / 1e6)
      return withUnit ? text + " MB" : text
    }
    return withUnit ? "\(count) \(unit.rawValue)" : "\(count)"
  }

  /// A rate per second: MB/s for bytes, else `units/s` with one decimal below 100.
  static func rateText(_ rate: Double, unit: ProgressUnit) -> String {
    if unit == .bytes { return String(format: "%.1f MB/s", rate / 1e6) }
    let number = rate < 100 ? String(format: "%.1f", rate) : "\(Int(rate.rounded()))"
    return "\(number) \(unit.rawValue)/s"
  }

  /// `seconds` as `m:ss`, or `h:mm:ss` from an hour on; `--:--` for a non-finite time.
  static func clock(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds < 1e8 else { return "--:--" }
    let s = Int(seconds.rounded())
    let (h, m, r) = (s / 3600, s / 60 % 60, s % 60)
    let two = { (v: Int) in v < 10 ? "0\(v)" : "\(v)" }
    return h > 0 ? "\(h):\(two(m)):\(two(r))" : "\(m):\(two(r))"
  }
}
