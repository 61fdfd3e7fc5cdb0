import DetPipeline
import Foundation

/// Writes text to stdout or a file through a 64 KiB buffer, so large outputs (a W-FPN CSV
/// is about 15 MB) stream instead of being built as one `String`.
struct BufferedTextWriter {
  private let handle: FileHandle
  private let ownsHandle: Bool
  private var buffer: [UInt8] = []
  private let capacity = 1 << 16

  /// Opens `path` for writing (created or truncated); `-` means stdout.
  ///
  /// - Throws: `PipelineError` (`.output`) when the file cannot be created.
  init(path: String) throws {
    if path == "-" {
      handle = .standardOutput
      ownsHandle = false
    } else {
      guard FileManager.default.createFile(atPath: path, contents: nil),
        let h = FileHandle(forWritingAtPath: path)
      else {
        throw PipelineError(
          .output, at: "", "cannot write '\(path)': the file could not be created")
      }
      handle = h
      ownsHandle = true
    }
    buffer.reserveCapacity(capacity)
  }

  /// Appends `text`, flushing when the buffer is full.
  mutating func write(_ text: String) {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= capacity { flush() }
  }

  /// Appends raw bytes, flushing when the buffer is full.
  mutating func write(bytes: some Sequence<UInt8>) {
    buffer.append(contentsOf: bytes)
    if buffer.count >= capacity { flush() }
  }

  /// Writes out what is buffered.
  mutating func flush() {
    guard !buffer.isEmpty else { return }
    handle.write(Data(buffer))
    buffer.removeAll(keepingCapacity: true)
  }

  /// Flushes and closes the file (stdout stays open).
  mutating func close() throws {
    flush()
    if ownsHandle { try handle.close() }
  }
}
