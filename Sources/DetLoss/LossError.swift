/// Why a loss could not be evaluated on the given data.
public struct LossError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The kind of problem.
  public enum Code: Sendable, Hashable {
    /// Two inputs that must have matching sizes do not.
    case shapeMismatch
    /// A class label outside the values the background convention allows.
    case invalidLabel
  }

  /// The kind of problem.
  public var code: Code
  /// Which input (argument name) and where in it (element or row index).
  public var location: String
  /// What was expected and what was found.
  public var message: String

  /// Creates an error.
  public init(_ code: Code, at location: String, _ message: String) {
    self.code = code
    self.location = location
    self.message = message
  }

  public var description: String { "\(location): \(message)" }
}
