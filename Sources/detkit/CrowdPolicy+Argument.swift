import ArgumentParser
import DetStore

extension CrowdPolicy: ExpressibleByArgument {}

extension ExportReport {
  /// The stderr lines naming what the export could not write, one per loss.
  var lossLines: [String] {
    losses.map { "not exported: \($0)" }
  }
}
