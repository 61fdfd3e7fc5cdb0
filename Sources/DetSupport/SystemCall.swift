#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A C library call that failed, with the `errno` it left: the one way a C failure becomes a
/// Swift error in detkit. Modules wrap it in their own error type (naming the file).
///
/// `description` reads `open failed: No such file or directory (errno 2)`.
package struct SystemCallError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The C function that failed (`open`, `fstat`, `mmap`, `read`, `write`, `close`,
  /// `rename`, …).
  package var call: String
  /// The `errno` value it set.
  package var code: Int32

  package init(call: String, code: Int32) {
    self.call = call
    self.code = code
  }

  /// The failure that `errno` describes right now.
  package static func current(_ call: String) -> SystemCallError {
    SystemCallError(call: call, code: errno)
  }

  /// The system's text for `code` (`strerror`).
  package var reason: String { String(cString: strerror(code)) }

  package var description: String { "\(call) failed: \(reason) (errno \(code))" }
}

/// Runs a C call that returns `-1` and sets `errno` on failure, in the manner of
/// swift-system's `valueOrErrno`: returns the call's result, or throws the failure.
///
/// - Parameters:
///   - call: the C function's name, for the error.
///   - retryOnInterrupt: call again while the failure is `EINTR` (the default), so a signal
///     never surfaces as an error.
///   - body: makes the call once.
/// - Throws: ``SystemCallError`` with `errno` when `body` returns -1.
@inline(__always)
package func valueOrErrno<I: FixedWidthInteger>(
  _ call: String, retryOnInterrupt: Bool = true, _ body: () -> I
) throws(SystemCallError) -> I {
  while true {
    let value = body()
    if value != -1 { return value }
    let code = errno
    if retryOnInterrupt && code == EINTR { continue }
    throw SystemCallError(call: call, code: code)
  }
}

/// ``valueOrErrno(_:retryOnInterrupt:_:)`` for calls whose result says only "it worked"
/// (`close`, `rename`, `fstat`).
///
/// `close` is never retried on `EINTR` (the descriptor is gone either way on Linux); pass
/// `retryOnInterrupt: false` for it.
@inline(__always)
package func nothingOrErrno<I: FixedWidthInteger>(
  _ call: String, retryOnInterrupt: Bool = true, _ body: () -> I
) throws(SystemCallError) {
  _ = try valueOrErrno(call, retryOnInterrupt: retryOnInterrupt, body)
}

/// Every byte left in the open file `fd`, read 64 KiB at a time until `read` returns 0: for
/// what cannot be mapped or sized (a pipe, `/dev/stdin`, `/proc` files, whose size `fstat`
/// reports as 0).
///
/// - Throws: ``SystemCallError`` for a failed `read` (`EINTR` is retried).
/// - Complexity: O(n) time and memory.
package func readToEnd(_ fd: Int32) throws(SystemCallError) -> [UInt8] {
  var result: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let n = try chunk.withUnsafeMutableBytes { (raw) -> Result<Int, SystemCallError> in
      Result { () throws(SystemCallError) in
        try valueOrErrno("read") { read(fd, raw.baseAddress, raw.count) }
      }
    }.get()
    if n == 0 { return result }
    result.append(contentsOf: chunk[0..<n])
  }
}
