import Foundation
import Testing

@testable import DetSupport

/// A process id no process can have (above Linux's largest `pid_max`, 2^22).
private let deadPID = 2_147_483_646

@Test func anOpenOutputFileIsPendingUntilCommitAndRemoveAllDeletesIt() throws {
  let scratch = try Scratch()
  let path = scratch.path("out.bin")
  let out = try OutputFile(path: path)
  try out.write(String(repeating: "x", count: 2 << 20))
  let pending = PendingOutputs.pending.filter { $0.hasPrefix(path + ".tmp-\(getpid())-") }
  #expect(pending.count == 1)
  #expect(try scratch.names().count == 1 && scratch.names()[0].hasPrefix("out.bin.tmp-"))
  // Not interrupting: other tests in this process still commit files.
  PendingOutputs.removeAll(interrupting: false)
  #expect(try scratch.names().isEmpty)
  #expect(!PendingOutputs.pending.contains { $0.hasPrefix(path) })

  let second = try OutputFile(path: path)
  try second.write("y")
  try second.commit()
  #expect(!PendingOutputs.pending.contains { $0.hasPrefix(path) })
  #expect(try scratch.names() == ["out.bin"])
}

/// Leftovers of a killed run (a file, a folder) are removed by the next writer of the
/// target; those of a live process, and names that only look alike, stay.
@Test func leftoversOfKilledRunsAreRemovedByTheNextWriter() throws {
  let scratch = try Scratch()
  try scratch.file("out.bin.tmp-\(deadPID)-12", [1, 2, 3])
  try FileManager.default.createDirectory(
    atPath: scratch.path("out.bin.tmp-\(deadPID)-13/sub"), withIntermediateDirectories: true)
  try scratch.file("out.bin.tmp-\(deadPID)-13/sub/a.npy", [4])
  try scratch.file("out.bin.tmp-\(getppid())-14", [5])  // the parent: alive
  try scratch.file("out.bin.tmp-x-15", [6])
  try scratch.file("other.bin.tmp-\(deadPID)-16", [7])
  let out = try OutputFile(path: scratch.path("out.bin"))
  try out.write("z")
  try out.commit()
  #expect(
    try scratch.names() == [
      "other.bin.tmp-\(deadPID)-16", "out.bin", "out.bin.tmp-\(getppid())-14", "out.bin.tmp-x-15",
    ])
}
