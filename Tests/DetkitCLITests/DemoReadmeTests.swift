import Foundation
import Testing

/// The README's demo excerpt is real output: every line of its second fenced block after
/// "## Two commands" equals a line `detkit demo` prints on stdout, in order, with the
/// temporary folder masked; a line `...` stands for lines left out, and nothing else may be
/// left out.
@Test func readmeDemoExcerptIsRealOutput() throws {
  let readme = try String(
    contentsOf: StoreFixtures.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
  let excerpt = try #require(demoExcerpt(in: readme), "README has no demo excerpt")
  let demo = try CLI.run(["demo"])
  try #require(demo.status == 0, "\(demo.stderr)")
  let printed = demo.stdout.split(separator: "\n", omittingEmptySubsequences: false).map {
    maskingTemporaryFolder(String($0))
  }
  try #require(excerpt.count > 5, "the excerpt is too short to check anything")
  #expect(firstMismatch(excerpt: excerpt, output: printed) == nil)
}

/// The excerpt lines: the second fenced block after "## Two commands" (the first holds
/// the two commands themselves).
private func demoExcerpt(in readme: String) -> [String]? {
  guard let section = readme.range(of: "## Two commands") else { return nil }
  let lines = readme[section.upperBound...].split(
    separator: "\n", omittingEmptySubsequences: false
  ).map(String.init)
  var blocks: [[String]] = []
  var current: [String]?
  for line in lines {
    if line.hasPrefix("```") {
      if let block = current {
        blocks.append(block)
        current = nil
        if blocks.count == 2 { break }
      } else {
        current = []
      }
    } else {
      current?.append(line)
    }
  }
  return blocks.count == 2 ? blocks[1].map(maskingTemporaryFolder) : nil
}

/// `/tmp/detkit-demo-688EF106/x.svg` -> `/tmp/detkit-demo-*/x.svg`; the folder above it is
/// masked as `/tmp` too (the demo run by the tests writes under the test process's folder).
private func maskingTemporaryFolder(_ line: String) -> String {
  line.replacingOccurrences(
    of: #"/[^ ]*/detkit-demo-[A-Za-z0-9]+"#, with: "/tmp/detkit-demo-*",
    options: .regularExpression)
}

/// Where the excerpt stops matching the output: nil when every excerpt line is found in
/// order, consecutive lines adjacent in the output unless a `...` line separates them.
private func firstMismatch(excerpt: [String], output: [String]) -> String? {
  var position = output.startIndex
  var mayGap = true  // the excerpt may start anywhere in the output
  for line in excerpt {
    if line == "..." {
      mayGap = true
      continue
    }
    if mayGap {
      guard let found = output[position...].firstIndex(of: line) else {
        return "not printed (after output line \(position)): \(line)"
      }
      position = found + 1
    } else {
      guard position < output.endIndex, output[position] == line else {
        let actual = position < output.endIndex ? output[position] : "<end of output>"
        return "README: \(line)\nprinted: \(actual)"
      }
      position += 1
    }
    mayGap = false
  }
  return nil
}
