import ArgumentParser
import DetStore

/// `detkit split`: a dataset into stratified parts.
struct SplitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "split",
    abstract: "Split a dataset into new datasets NAME-PART, stratified by category.",
    discussion: """
      Every image (with its boxes, verbatim) lands in exactly one part; parts are new \
      datasets NAME-PART, the source is left as it is. Each category's boxes are shared \
      out as the fractions ask (iterative stratification over a seeded shuffle); the \
      largest deviation and each category's counts are printed. --group-by keeps images \
      whose file names give the same match (its first capture group, if any) in one part: \
      frames of one sequence. The same --seed gives the same split.

      Example:
        detkit split --db store.sqlite --name voc --parts train=0.8,val=0.2 --seed 1
        detkit split --db store.sqlite --name visdrone --parts train=0.9,val=0.1 \\
          --group-by '^(.*)_[0-9]+\\.jpg$'
      """
  )

  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset to split.")
  var name: String

  @Option(help: ArgumentHelp("Parts and fractions, summing to 1.", valueName: "name=fraction,..."))
  var parts: String

  @Option(help: "Seed of the shuffle.")
  var seed: UInt64 = 0

  @Option(help: ArgumentHelp("Keep images whose names match alike together.", valueName: "regex"))
  var groupBy: String?

  @OptionGroup var progressOptions: ProgressOptions

  func parsedParts() throws -> [(name: String, fraction: Double)] {
    let parsed = try parts.split(separator: ",").map { item -> (String, Double) in
      let pair = item.split(separator: "=", maxSplits: 1)
      guard pair.count == 2, !pair[0].isEmpty, let f = Double(pair[1]), f > 0, f <= 1 else {
        throw ValidationError("--parts: expected name=fraction, got '\(item)'")
      }
      return (String(pair[0]), f)
    }
    guard !parsed.isEmpty, abs(parsed.map(\.1).reduce(0, +) - 1) < 1e-9 else {
      throw ValidationError("--parts: the fractions must sum to 1")
    }
    guard Set(parsed.map(\.0)).count == parsed.count else {
      throw ValidationError("--parts: a part is named twice")
    }
    return parsed
  }

  func validate() throws { _ = try parsedParts() }

  func run() throws {
    let store = try AnnotationStore(path: db, mode: .existing)
    let bar = progressOptions.bar("splitting \(name)", unit: .records)
    defer { bar.finish() }
    let report = try store.split(
      name, into: try parsedParts(), seed: seed, groupPattern: groupBy, progress: bar.update)
    bar.finish()
    for part in report.parts {
      print("\(part.dataset): \(part.images) images, \(part.annotations) annotations")
    }
    printTable(
      [["category"] + report.parts.map(\.dataset)]
        + report.boxesPerPart.map { [$0.category] + $0.counts.map(String.init) })
    printError(
      "\(report.groups) groups; largest deviation of a category's share from its part's: \(String(format2: report.largestDeviation * 100))%"
    )
  }
}
