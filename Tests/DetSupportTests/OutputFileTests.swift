import Foundation
import Testing

@testable import DetSupport

private func contents(_ path: String) throws -> [UInt8] {
  [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

@Test func aCommittedFileHoldsEverythingWrittenInOrder() throws {
  let scratch = try Scratch()
  let path = scratch.path("out.txt")
  let out = try OutputFile(path: path)
  try out.write("ab")
  out.write(byte: UInt8(ascii: "c"))
  let big = [UInt8](repeating: 9, count: 3 << 20)  // larger than the buffer: written through
  try big.withUnsafeBytes { try out.write($0) }
  try out.write("z")
  try out.commit()
  #expect(try contents(path) == Array("abc".utf8) + big + Array("z".utf8))
  #expect(try scratch.names() == ["out.txt"])  // no temporary file left
}

@Test func nothingReachesTheTargetBeforeCommit() throws {
  let scratch = try Scratch()
  let path = try scratch.file("out.txt", Array("old".utf8))
  do {
    let out = try OutputFile(path: path)
    try out.write(String(repeating: "x", count: 2 << 20))  // flushed to the temporary file
    #expect(try contents(path) == Array("old".utf8))
    // Dropped without commit(): the write failed somewhere in the caller.
  }
  #expect(try contents(path) == Array("old".utf8))
  #expect(try scratch.names() == ["out.txt"])
}

@Test func commitReplacesAnExistingFile() throws {
  let scratch = try Scratch()
  let path = try scratch.file("out.txt", Array("a much longer old text".utf8))
  let out = try OutputFile(path: path)
  try out.write("new")
  try out.commit()
  #expect(try contents(path) == Array("new".utf8))
}

@Test func aMissingFolderFailsAtOpen() throws {
  let scratch = try Scratch()
  #expect(throws: SystemCallError(call: "open", code: ENOENT)) {
    try OutputFile(path: scratch.path("no/such/folder/out.txt"))
  }
}

@Test func aDeviceIsWrittenInPlace() throws {
  let out = try OutputFile(path: "/dev/null")
  try out.write("discarded")
  try out.commit()
  #expect(FileManager.default.fileExists(atPath: "/dev/null"))
}

@Test func aFIFOIsWrittenInPlace() throws {
  let scratch = try Scratch()
  let fifo = scratch.path("pipe")
  #expect(mkfifo(fifo, 0o600) == 0)
  nonisolated(unsafe) var received: [UInt8] = []
  let done = DispatchSemaphore(value: 0)
  Thread {
    let fd = open(fifo, O_RDONLY)
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n <= 0 { break }
      received += chunk[0..<n]
    }
    close(fd)
    done.signal()
  }.start()
  let out = try OutputFile(path: fifo)
  try out.write("through the pipe")
  try out.commit()
  done.wait()
  #expect(received == Array("through the pipe".utf8))
  #expect(try scratch.names() == ["pipe"])
}

@Test func outputDescriptorIsCloseOnExec() throws {
  let scratch = try Scratch()
  let out = try OutputFile(path: scratch.path("out.txt"))
  try out.write("x")
  try out.flush()
  // The temporary file is the only file in the folder that a descriptor of ours points at.
  var flags: Int?
  for name in try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
    guard
      let target = try? FileManager.default.destinationOfSymbolicLink(
        atPath: "/proc/self/fd/\(name)"),
      target.hasPrefix(scratch.url.path + "/out.txt.tmp-"),
      let info = try? String(contentsOfFile: "/proc/self/fdinfo/\(name)", encoding: .utf8),
      let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags:") })
    else { continue }
    flags = Int(line.dropFirst("flags:".count).trimmingCharacters(in: .whitespaces), radix: 8)
  }
  let seen = try #require(flags, "no descriptor on the temporary file")
  #expect(seen & Int(O_CLOEXEC) != 0)
  try out.commit()
}
