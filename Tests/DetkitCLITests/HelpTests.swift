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
