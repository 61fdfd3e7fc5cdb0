/// Why an anchor configuration file (see ``AnchorGenerator/init(configurationJSON:source:)``)
/// could not be loaded: where (the file and the JSON path, `$` being the whole document)
/// and what was expected.
///
/// The description reads `FILE: $.levels[2].sizes[0]: must be positive and finite, got -4`.
public struct AnchorConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What kind of problem it is.
  public enum Code: String, Sendable, Hashable {
    /// The file could not be read.
    case unreadable
    /// The bytes are not JSON.
    case malformedJSON
    /// A required member is absent.
    case missingKey
    /// A member this format does not define (a typo would otherwise be silently ignored).
    case unknownKey
    /// A value of the wrong JSON type (a string where a number belongs...).
    case wrongType
    /// A value of the right type outside its domain (empty level, non-positive size,
    /// unsorted strides, unknown compat...).
    case invalidValue
  }

  public var code: Code
  /// The file path, or a caller-chosen name such as `<stdin>`.
  public var source: String
  /// JSONPath of the offending value: `$`, `$.levels[1]`, `$.levels[1].aspectRatios[0]`.
  public var path: String
  /// What is wrong and what was expected.
  public var message: String

  public init(code: Code, source: String, path: String, message: String) {
    self.code = code
    self.source = source
    self.path = path
    self.message = message
  }

  public var description: String { "\(source): \(path): \(message)" }
}
