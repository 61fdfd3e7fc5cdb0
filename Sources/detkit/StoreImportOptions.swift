import ArgumentParser
import DetStore
import DetSupport
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

  @Option(
    help: ArgumentHelp(
      "Write every skipped record (file, position, id, reason) to this file as JSON lines.",
      valueName: "file"))
  var skipped: String?

  @Option(
    help: ArgumentHelp(
      "With --replace: the least share of the records read that must be kept to replace.",
      valueName: "fraction"))
  var minKept: Double = ImportOptions.defaultMinimumKeptFraction

  @Flag(help: "With --replace: replace even when less than --min-kept was kept.")
  var force = false

  @OptionGroup var progressOptions: ProgressOptions

  func validate() throws {
    guard !name.isEmpty else { throw ValidationError("--name must not be empty") }
    guard (0...1).contains(minKept) else {
      throw ValidationError("--min-kept must be in [0, 1], got \(minKept)")
    }
  }

  var importOptions: ImportOptions {
    ImportOptions(
      replace: replace, policy: policy, clip: clip, keptSkips: skipped == nil ? 5 : Int.max,
      minimumKeptFraction: force ? 0 : minKept)
  }

  /// Runs `body` (an import). When it is refused for keeping too few records to replace,
  /// the skipped records are reported (and written to --skipped) before the error.
  func run(_ body: () throws -> ImportReport) throws -> ImportReport {
    do {
      return try body()
    } catch let error as StoreError where error.report != nil {
      try reportSkips(error.report!)
      throw error
    }
  }

  /// Prints the import's summary and its first skipped records on stderr, and writes
  /// --skipped.
  func finish(_ report: ImportReport) throws {
    printError(report.summary)
    try reportSkips(report)
  }

  /// How many skipped records the summary shows.
  static let skipsShown = 5

  private func reportSkips(_ report: ImportReport) throws {
    if let skipped {
      do {
        let out = try OutputFile(path: skipped)
        for record in report.skippedRecords {
          try out.write(Self.jsonLine(record).text(.line) + "\n")
        }
        try out.commit()
      } catch {
        throw ValidationError("--skipped \(skipped): \(error)")
      }
    }
    let shown = report.skippedRecords.prefix(Self.skipsShown)
    for record in shown {
      let id = record.recordID.map { " (id \($0))" } ?? ""
      printError("  skipped \(record.location)\(id): \(record.reason): \(record.message)")
    }
    if report.skippedTotal > shown.count {
      let rest = report.skippedTotal - shown.count
      printError(
        "  ... and \(rest) more"
          + (skipped.map { " (all \(report.skippedTotal) in \($0))" }
            ?? " (--skipped FILE lists every one)"))
    }
  }

  /// One line of the --skipped file.
  static func jsonLine(_ record: SkippedRecord) -> JSONValue {
    [
      "file": .string(record.location.file),
      "line": record.location.line.map { .int($0) } ?? .null,
      "column": record.location.column.map { .int($0) } ?? .null,
      "path": record.location.path.map { .string($0) } ?? .null,
      "id": record.recordID.map { JSONValue($0) } ?? .null,
      "reason": .string(record.reason.rawValue),
      "message": .string(record.message),
    ]
  }

  func openStore() throws -> AnnotationStore { try AnnotationStore(path: db) }
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
      if let detectionSet { counts += ", detection set \"\(detectionSet)\"" }
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
