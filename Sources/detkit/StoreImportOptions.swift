import ArgumentParser
import DetStore
import Foundation

/// The options every `detkit import <format>` subcommand shares.
struct StoreImportOptions: ParsableArguments {
  @Option(help: "The SQLite store file (created if missing).")
  var db: String

  @Option(help: "The dataset's name in the store.")
  var name: String

  @Flag(help: "Replace an existing dataset of the same name (atomically).")
  var replace = false

  @Option(help: "What to do with invalid records: strict (abort) or skip (count and go on).")
  var policy: ValidationPolicy = .strict

  @Flag(help: "Clip boxes that extend beyond their image instead of rejecting them.")
  var clip = false

  func validate() throws {
    guard !name.isEmpty else { throw ValidationError("--name must not be empty") }
  }

  var importOptions: ImportOptions {
    ImportOptions(replace: replace, policy: policy, clip: clip)
  }

  func openStore() throws -> AnnotationStore { try AnnotationStore(path: db) }
}

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
/// `@unchecked Sendable`: `update` is called from the importer's parsing thread only, and
/// `finish` after the import has returned (the thread has ended).
final class ProgressBar: @unchecked Sendable {
  private let label: String
  private let enabled = isatty(STDERR_FILENO) != 0
  private var lastPercent = -1

  init(_ label: String) { self.label = label }

  func update(_ fraction: Double) {
    guard enabled else { return }
    let percent = Int((min(max(fraction, 0), 1) * 100).rounded(.down))
    guard percent != lastPercent else { return }
    lastPercent = percent
    let filled = percent * 30 / 100
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
    FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)%".utf8))
  }

  func finish() {
    guard enabled, lastPercent >= 0 else { return }
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
  }
}

/// Writes a line to stderr.
func printError(_ text: String) {
  FileHandle.standardError.write(Data((text + "\n").utf8))
}

extension ImportReport {
  /// The human summary the import commands print on stderr.
  var summary: String {
    var lines: [String] = []
    var counts =
      "imported \"\(dataset)\": \(categories) categories, \(images) images, \(annotations) annotations"
    if detections > 0 || (categories == 0 && images == 0 && annotations == 0) {
      counts = "imported \(detections) detections into \"\(dataset)\""
    }
    if replaced { counts += " (replaced the previous version)" }
    lines.append(counts)
    if clipped > 0 { lines.append("clipped \(clipped) boxes to their image") }
    if !skipped.isEmpty {
      let parts = skipped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
      lines.append("skipped \(skippedTotal): " + parts.joined(separator: ", "))
    }
    for warning in warnings { lines.append("warning: \(warning)") }
    return lines.joined(separator: "\n")
  }
}
