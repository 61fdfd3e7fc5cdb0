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

  @OptionGroup var progressOptions: ProgressOptions

  func validate() throws {
    guard !name.isEmpty else { throw ValidationError("--name must not be empty") }
  }

  var importOptions: ImportOptions {
    ImportOptions(replace: replace, policy: policy, clip: clip)
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
