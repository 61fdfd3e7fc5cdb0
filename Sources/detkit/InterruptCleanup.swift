import DetSupport
import Dispatch
import Foundation

/// SIGINT and SIGTERM end detkit without leaving half-written outputs: the signal is taken
/// on a dispatch queue (not in signal context), every pending temporary output
/// (`PendingOutputs`) is removed, and the process ends with status 128 + the signal's number
/// (130, 143), as a shell reports a process the signal ended.
enum InterruptCleanup {
  nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

  /// Installs the handlers; call once, before any output is opened.
  static func install() {
    for number in [SIGINT, SIGTERM] {
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler {
        PendingOutputs.removeAll()
        // Dispatch blocks the signal in every thread, so it cannot be raised again: end
        // with the status a shell gives a process the signal ended (128 + its number).
        _exit(128 + number)
      }
      source.resume()
      sources.append(source)
    }
  }
}
