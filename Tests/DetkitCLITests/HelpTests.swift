import Foundation
import Testing

/// Runs the built `detkit` binary end to end.
@Test func topLevelHelpListsTheTool() throws {
  let result = try CLI.run(["--help"])
  #expect(result.status == 0)
  #expect(result.stdout.contains("USAGE: detkit"))
}

@Test func unknownSubcommandIsAUsageError() throws {
  let result = try CLI.run(["no-such-command"])
  #expect(result.status == 64)
  #expect(!result.stderr.isEmpty)
}

/// Every command path (`anchors`, `loss focal`, …), found from the help's SUBCOMMANDS lists.
private func commandPaths() throws -> [[String]] {
  var paths: [[String]] = []
  var pending: [[String]] = [[]]
  while !pending.isEmpty {
    let path = pending.removeFirst()
    let result = try CLI.run(path + ["--help"])
    try #require(result.status == 0, "detkit \(path.joined(separator: " ")) --help failed")
    paths.append(path)
    guard let list = result.stdout.range(of: "SUBCOMMANDS:\n") else { continue }
    // The list runs to the first blank line; entries start at column 2 with a lowercase
    // name, their wrapped abstracts are indented further.
    for line in result.stdout[list.upperBound...].split(
      separator: "\n", omittingEmptySubsequences: false)
    {
      if line.isEmpty { break }
      guard line.hasPrefix("  "), !line.hasPrefix("   "),
        let name = line.split(separator: " ").first, name != "help",
        name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" })
      else { continue }
      pending.append(path + [String(name)])
    }
  }
  return paths
}

/// How a line of an example block may start: a program (detkit, or the tools a benchmark's
/// peer side runs) or a comment; anything else is a fragment of a wrapped command.
private let commandStarts = ["detkit ", "swift ", "python3 ", "~/", ".build/", "tools/", "# "]

/// Help as a user reads it in an 80-column terminal, and as written (no wrapping).
private func help(_ path: [String], columns: Int) throws -> [String] {
  let result = try CLI.run(path + ["--help"], environment: ["COLUMNS": "\(columns)"])
  return result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
}

/// Help reads right at 80 columns: nothing but the parser's own USAGE line is wider; text
/// wider than 80 columns is a whole paragraph that the parser wraps (or one that introduces
/// an indented block with a colon), never an indented table row or a hard-wrapped line that
/// the parser would break into a ragged fragment; and every line of an example block is a
/// complete command or the continuation of one ending in `\`.
@Test func helpReadsRightAtEightyColumns() throws {
  let paths = try commandPaths()
  try #require(paths.count > 30, "found only \(paths.count) commands")
  var problems: [String] = []
  for path in paths {
    let name = (["detkit"] + path).joined(separator: " ")
    let rendered = try help(path, columns: 80)
    for line in rendered where line.count > 80 && !line.hasPrefix("USAGE:") {
      problems.append("\(name): wider than 80 columns: \(line)")
    }
    let written = try help(path, columns: 100_000)
    let body = written.prefix { !$0.hasPrefix("USAGE:") }
    for (i, line) in body.enumerated() where line.count > 80 && !line.hasPrefix("OVERVIEW:") {
      let next = i + 1 < body.count ? body[body.startIndex + i + 1] : ""
      let introducesBlock = line.hasSuffix(":") && next.hasPrefix(" ")
      if line.hasPrefix(" ") || !(next.isEmpty || introducesBlock) {
        problems.append("\(name): a wide line that is not a whole paragraph: \(line)")
      }
    }
    var inExample = false
    var continues = false
    for line in rendered {
      let text = line.trimmingCharacters(in: .whitespaces)
      if text == "Example:" || text == "Examples:" {
        inExample = true
        continues = false
        continue
      }
      guard inExample else { continue }
      if text.isEmpty {
        inExample = false
        continue
      }
      if !continues && !commandStarts.contains(where: { text.hasPrefix($0) }) {
        problems.append("\(name): example line is not a whole command: \(line)")
      }
      continues = text.hasSuffix("\\")
    }
  }
  #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
}
