import ArgumentParser
import DetGeometry

extension ImageSize: ExpressibleByArgument {
  /// Parses `HxW`, e.g. `800x1344`.
  public init?(argument: String) { self.init(parsing: argument) }
}
