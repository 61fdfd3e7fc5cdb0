import Foundation
import Testing

@testable import DetSupport

@Test func aRegularFileIsMappedWhole() throws {
  let scratch = try Scratch()
  let path = try scratch.file("a.bin", Array(0..<200))
  let file = try MappedFile(path: path, sequential: true)
  #expect(file.count == 200)
  #expect(Array(file.bytes) == Array(0..<200))
  #expect(file.base[199] == 199)
  file.release(before: 150)  // within the first page: nothing to drop, bytes stay readable
  #expect(file.base[10] == 10)
  guard case .mapped(let viaContents) = try MappedFile.contents(of: path) else {
    Issue.record("a regular file is mapped")
    return
  }
  #expect(Array(viaContents.bytes) == Array(0..<200))
}

@Test func anEmptyFileMapsToNoBytes() throws {
  let scratch = try Scratch()
  let path = try scratch.file("empty", [])
  let file = try MappedFile(path: path)
  #expect(file.count == 0)
  #expect(file.bytes.isEmpty)
  guard case .mapped(let viaContents) = try MappedFile.contents(of: path) else {
    Issue.record("an empty regular file is still mapped")
    return
  }
  #expect(viaContents.count == 0)
}

@Test func aMissingFileThrowsTheOpenFailure() throws {
  let scratch = try Scratch()
  let missing = scratch.path("missing.json")
  #expect(throws: MappedFileError.system(SystemCallError(call: "open", code: ENOENT))) {
    try MappedFile(path: missing)
  }
  #expect(throws: MappedFileError.system(SystemCallError(call: "open", code: ENOENT))) {
    try MappedFile.contents(of: missing)
  }
}

@Test func aDirectoryIsRefusedOrFailsItsRead() throws {
  let scratch = try Scratch()
  #expect(throws: MappedFileError.notRegularFile(path: scratch.url.path)) {
    try MappedFile(path: scratch.url.path)
  }
  #expect(throws: MappedFileError.system(SystemCallError(call: "read", code: EISDIR))) {
    try MappedFile.contents(of: scratch.url.path)
  }
}

/// Mapping a FIFO nobody writes to must not wait for a writer (the test would hang).
/// No time limit trait: under a busy test pool it fires before the test is even scheduled.
@Test func aFIFOIsRefusedWithoutBlocking() throws {
  let scratch = try Scratch()
  let fifo = scratch.path("pipe")
  #expect(mkfifo(fifo, 0o600) == 0)
  #expect(throws: MappedFileError.notRegularFile(path: fifo)) {
    try MappedFile(path: fifo)
  }
}

@Test func aFIFOIsReadToTheEndByContents() throws {
  let scratch = try Scratch()
  let fifo = scratch.path("pipe")
  #expect(mkfifo(fifo, 0o600) == 0)
  let writer = Thread {
    let fd = open(fifo, O_WRONLY)
    let bytes: [UInt8] = Array(repeating: 7, count: 100_000)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
  }
  writer.start()
  guard case .read(let bytes) = try MappedFile.contents(of: fifo) else {
    Issue.record("a FIFO is read, not mapped")
    return
  }
  #expect(bytes == Array(repeating: 7, count: 100_000))
}

/// Mapping closes its descriptor before returning: none leaks.
@Test func noDescriptorLeaks() throws {
  let scratch = try Scratch()
  let path = try scratch.file("a.bin", [1, 2, 3])
  let before = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
  var files: [MappedFile] = []
  for _ in 0..<20 { files.append(try MappedFile(path: path)) }
  let after = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
  #expect(after <= before + 1)  // at most the directory listing's own descriptor
  #expect(files.count == 20)
}

/// The descriptor is close-on-exec. It lives only inside the call, so the test catches it
/// while `contents(of:)` waits in `read` on a FIFO, and reads its flags from
/// /proc/self/fdinfo.
@Test func mappingsDescriptorIsCloseOnExec() throws {
  let scratch = try Scratch()
  let fifo = scratch.path("pipe")
  #expect(mkfifo(fifo, 0o600) == 0)
  let done = DispatchSemaphore(value: 0)
  Thread {
    _ = try? MappedFile.contents(of: fifo)
    done.signal()
  }.start()
  let writer = open(fifo, O_WRONLY | O_CLOEXEC)  // returns once the reader has opened
  #expect(writer >= 0)
  var flags: Int?
  for _ in 0..<1000 where flags == nil {
    for name in try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
      guard let fd = Int32(name), fd != writer,
        let target = try? FileManager.default.destinationOfSymbolicLink(
          atPath: "/proc/self/fd/\(name)"),
        target == fifo,
        let info = try? String(contentsOfFile: "/proc/self/fdinfo/\(name)", encoding: .utf8),
        let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags:") })
      else { continue }
      flags = Int(line.dropFirst("flags:".count).trimmingCharacters(in: .whitespaces), radix: 8)
    }
    if flags == nil { usleep(1000) }
  }
  close(writer)
  done.wait()
  let seen = try #require(flags, "the reader's descriptor was not found")
  #expect(seen & Int(O_CLOEXEC) != 0)
}
