import Foundation

/// Bounded random-access reads from an open file or an in-memory buffer, so that header
/// parsers touch only the bytes they need (never the pixel data).
enum ByteSource {
  case memory([UInt8])
  case file(FileHandle)

  /// Up to `count` bytes starting at `offset`; fewer (possibly none) at the end of input.
  func read(at offset: Int, count: Int) throws -> [UInt8] {
    precondition(offset >= 0 && count >= 0, "negative read \(offset)+\(count)")
    switch self {
    case .memory(let bytes):
      guard offset < bytes.count else { return [] }
      return Array(bytes[offset..<min(bytes.count, offset + count)])
    case .file(let handle):
      try handle.seek(toOffset: UInt64(offset))
      return [UInt8](try handle.read(upToCount: count) ?? Data())
    }
  }
}

/// A forward cursor over a ``ByteSource`` that reads in small windows and can jump ahead
/// without reading what it skips.
struct ByteCursor {
  private let source: ByteSource
  private var window: [UInt8] = []
  private var windowStart = 0
  /// The absolute offset of the next byte.
  private(set) var offset = 0

  private static let windowSize = 4096

  init(_ source: ByteSource) { self.source = source }

  /// The next byte, or `nil` at the end of input.
  mutating func next() throws -> UInt8? {
    if offset < windowStart || offset >= windowStart + window.count {
      window = try source.read(at: offset, count: Self.windowSize)
      windowStart = offset
      if window.isEmpty { return nil }
    }
    let byte = window[offset - windowStart]
    offset += 1
    return byte
  }

  /// Exactly `count` bytes, or a failure naming `what` when the input ends first.
  mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(count)
    if offset >= windowStart, offset + count <= windowStart + window.count {
      out.append(contentsOf: window[(offset - windowStart)..<(offset - windowStart + count)])
      offset += count
      return out
    }
    out = try source.read(at: offset, count: count)
    guard out.count == count else {
      throw FormatFailure("truncated: the file ends inside \(what()) at byte \(offset + out.count)")
    }
    offset += count
    return out
  }

  /// Moves ahead `count` bytes without reading them.
  mutating func skip(_ count: Int) { offset += count }
}

extension Array where Element == UInt8 {
  /// The big-endian unsigned integer in `self[at ..< at + width]`.
  func bigEndian(at: Int, width: Int) -> Int {
    var value = 0
    for i in at..<(at + width) { value = value << 8 | Int(self[i]) }
    return value
  }

  /// The little-endian unsigned integer in `self[at ..< at + width]`.
  func littleEndian(at: Int, width: Int) -> Int {
    var value = 0
    for i in stride(from: at + width - 1, through: at, by: -1) { value = value << 8 | Int(self[i]) }
    return value
  }
}
