import Foundation
import Testing

@testable import DetSupport

@Test func aFailedCallThrowsItsNameAndErrno() {
  #expect(throws: SystemCallError(call: "open", code: ENOENT)) {
    try valueOrErrno("open") { open("/nonexistent/detkit/file", O_RDONLY | O_CLOEXEC) }
  }
  #expect(
    SystemCallError(call: "open", code: ENOENT).description
      == "open failed: No such file or directory (errno 2)")
}

@Test func aSuccessfulCallReturnsItsValue() throws {
  #expect(try valueOrErrno("getpid") { getpid() } == getpid())
  try nothingOrErrno("access") { access("/", F_OK) }
}

@Test func anInterruptedCallIsRetriedUnlessAskedNotTo() throws {
  var attempts = 0
  let value = try valueOrErrno("read") { () -> Int in
    attempts += 1
    if attempts < 3 {
      errno = EINTR
      return -1
    }
    return 5
  }
  #expect(value == 5 && attempts == 3)

  attempts = 0
  #expect(throws: SystemCallError(call: "close", code: EINTR)) {
    try nothingOrErrno("close", retryOnInterrupt: false) { () -> Int32 in
      attempts += 1
      errno = EINTR
      return -1
    }
  }
  #expect(attempts == 1)
}
