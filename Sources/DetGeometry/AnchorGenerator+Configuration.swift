import Foundation

/// Anchor configurations as data: a JSON file that states everything
/// ``AnchorGenerator`` needs, with per-level sizes and ratios.
///
/// ```json
/// {
///   "version": 1,
///   "compat": "detectron2",
///   "offset": 0,
///   "scaleMajor": true,
///   "levels": [
///     {"name": "P3", "stride": 8, "sizes": [32, 40.31747359663594, 50.79683366298238],
///      "aspectRatios": [0.5, 1, 2]},
///     ...
///   ]
/// }
/// ```
///
/// Members:
/// - `version` (optional): 1.
/// - `compat`: the arithmetic to reproduce, `torchvision`, `detectron2`, `mmdetection` or
///   `detectron-legacy` (see ``Compatibility``); it fixes rounding and the type order.
/// - `offset` (optional, default 0): centre of cell `(0, 0)` as a fraction of the stride;
///   in `[0, 1)`, and exactly 0 for `torchvision` and `detectron-legacy`.
/// - `scaleMajor` (optional, default `true`): mmdetection's `scale_major` flag.
/// - `levels`: finest first, strides strictly increasing. Each has `stride` (a positive
///   integer, pixels), `sizes` (anchor sides in pixels, scales already applied: the side of
///   the ratio-1 anchor, so every anchor's area is `size²` before the mode's rounding),
///   `aspectRatios` (height / width) and an optional `name` (default `P<log2 stride>` for a
///   power of two, else `L<index>`). Every level has the same number of anchor types
///   (`sizes × aspectRatios`), because a detector head predicts a fixed number per cell.
///
/// A size `s` enters the mode's arithmetic exactly as `size × scale` would with scale 1:
/// torchvision `int(s)`, detectron2 `s`, mmdetection `s / stride` (its scale on base size =
/// stride), detectronLegacy `s / stride`. The two presets printed by
/// ``configurationJSON`` therefore reload to the same grid bit for bit in every mode.
extension AnchorGenerator {
  /// The configuration format's version, written as `"version"`.
  public static let configurationVersion = 1

  /// Loads an anchor configuration from JSON text.
  ///
  /// Every level of the result has its own ``Level/sizes`` and ``Level/aspectRatios``;
  /// ``scales`` is `[1]`, ``aspectRatios`` is the first level's, and each level's
  /// ``Level/size`` is its first size.
  ///
  /// - Parameters:
  ///   - data: the JSON bytes (UTF-8).
  ///   - source: names the input in errors (a file path, `<stdin>`).
  /// - Throws: ``AnchorConfigurationError`` naming `source` and the JSON path: malformed
  ///   JSON, a missing, unknown or mistyped member, an empty level, a non-positive or
  ///   non-finite size or ratio, unsorted or duplicate strides, an unknown compat, unequal
  ///   type counts across levels, or an offset the compat cannot express.
  /// - Complexity: O(size of the document).
  public init(configurationJSON data: Data, source: String) throws(AnchorConfigurationError) {
    let root: JSONValue
    do {
      root = try JSONDecoder().decode(JSONValue.self, from: data)
    } catch {
      throw AnchorConfigurationError(
        code: .malformedJSON, source: source, path: "$", message: "not valid JSON (\(error))")
    }
    var reader = ConfigurationReader(source: source)
    self = try reader.generator(from: root)
  }

  /// Loads an anchor configuration file (see ``init(configurationJSON:source:)``).
  ///
  /// - Parameter path: the file; named in every error.
  /// - Throws: ``AnchorConfigurationError`` (``AnchorConfigurationError/Code/unreadable``
  ///   when the file cannot be read).
  public init(contentsOfConfiguration path: String) throws(AnchorConfigurationError) {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw AnchorConfigurationError(
        code: .unreadable, source: path, path: "$",
        message: "cannot read the file (missing, a directory, or not readable)")
    }
    try self.init(configurationJSON: data, source: path)
  }

  /// This generator as an anchor configuration document (pretty-printed JSON, trailing
  /// newline), loadable by ``init(configurationJSON:source:)``.
  ///
  /// Sizes are written as `size × scale` (``sizes(ofLevel:)``) with the shortest decimal
  /// that reads back as the same `Double`. The reloaded grid equals this generator's bit
  /// for bit in every mode, with one exception: in the mmdetection mode with several
  /// scales, `scale × (size / stride)` and `(size × scale) / stride` may differ in the
  /// last bit when `size / stride` is not a power of two (never for the presets, where it
  /// is 8 or 4).
  ///
  /// - Precondition: the generator has at least one level.
  /// - Complexity: O(levels × types).
  public var configurationJSON: String {
    precondition(!levels.isEmpty, "an anchor configuration needs at least one level")
    var lines: [String] = [
      "{",
      "  \"version\": \(Self.configurationVersion),",
      "  \"compat\": \"\(compatibility.configurationName)\",",
      "  \"offset\": \(Self.jsonNumber(centerOffset)),",
      "  \"scaleMajor\": \(scaleMajor),",
      "  \"levels\": [",
    ]
    for index in levels.indices {
      let level = levels[index]
      let sizes = self.sizes(ofLevel: index).map(Self.jsonNumber).joined(separator: ", ")
      let ratios = aspectRatios(ofLevel: index).map(Self.jsonNumber).joined(separator: ", ")
      lines.append(
        "    {\"name\": \(Self.jsonString(level.name)), \"stride\": \(level.stride), "
          + "\"sizes\": [\(sizes)], \"aspectRatios\": [\(ratios)]}"
          + (index == levels.count - 1 ? "" : ","))
    }
    lines += ["  ]", "}"]
    return lines.joined(separator: "\n") + "\n"
  }

  /// Whole numbers without a fraction, others as Swift's shortest round-trip decimal.
  static func jsonNumber(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
    return "\(v)"
  }

  static func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}

extension AnchorGenerator.Compatibility {
  /// The spelling in configuration files and on the command line (`detectron-legacy`).
  public var configurationName: String {
    self == .detectronLegacy ? "detectron-legacy" : rawValue
  }

  /// Parses ``configurationName`` (the raw value `detectronLegacy` is accepted too).
  public init?(configurationName name: String) {
    if name == "detectron-legacy" {
      self = .detectronLegacy
    } else if let mode = Self(rawValue: name) {
      self = mode
    } else {
      return nil
    }
  }
}

/// A parsed JSON document.
private enum JSONValue: Decodable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let b = try? c.decode(Bool.self) {
      self = .bool(b)
    } else if let d = try? c.decode(Double.self) {
      self = .number(d)
    } else if let s = try? c.decode(String.self) {
      self = .string(s)
    } else if let a = try? c.decode([JSONValue].self) {
      self = .array(a)
    } else {
      self = .object(try c.decode([String: JSONValue].self))
    }
  }

  var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .number: "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }
}

/// Walks a configuration document, keeping the source name for errors.
private struct ConfigurationReader {
  var source: String

  func fail(_ code: AnchorConfigurationError.Code, _ path: String, _ message: String)
    -> AnchorConfigurationError
  {
    AnchorConfigurationError(code: code, source: source, path: path, message: message)
  }

  func object(_ value: JSONValue, _ path: String, keys: Set<String>, required: Set<String>)
    throws(AnchorConfigurationError) -> [String: JSONValue]
  {
    guard case .object(let members) = value else {
      throw fail(.wrongType, path, "expected an object, got \(value.typeName)")
    }
    if let unknown = members.keys.sorted().first(where: { !keys.contains($0) }) {
      throw fail(
        .unknownKey, "\(path).\(unknown)",
        "unknown member; expected one of \(keys.sorted().joined(separator: ", "))")
    }
    if let missing = required.sorted().first(where: { members[$0] == nil }) {
      throw fail(.missingKey, "\(path).\(missing)", "required member is missing")
    }
    return members
  }

  func number(_ value: JSONValue, _ path: String) throws(AnchorConfigurationError) -> Double {
    guard case .number(let v) = value else {
      throw fail(.wrongType, path, "expected a number, got \(value.typeName)")
    }
    return v
  }

  func positiveNumbers(_ value: JSONValue, _ path: String) throws(AnchorConfigurationError)
    -> [Double]
  {
    guard case .array(let items) = value else {
      throw fail(.wrongType, path, "expected an array of numbers, got \(value.typeName)")
    }
    if items.isEmpty { throw fail(.invalidValue, path, "must not be empty") }
    var out: [Double] = []
    for (i, item) in items.enumerated() {
      let v = try number(item, "\(path)[\(i)]")
      guard v.isFinite && v > 0 else {
        throw fail(.invalidValue, "\(path)[\(i)]", "must be positive and finite, got \(v)")
      }
      out.append(v)
    }
    return out
  }

  mutating func generator(from root: JSONValue) throws(AnchorConfigurationError)
    -> AnchorGenerator
  {
    let top = try object(
      root, "$", keys: ["version", "compat", "offset", "scaleMajor", "levels"],
      required: ["compat", "levels"])
    if let version = top["version"] {
      let v = try number(version, "$.version")
      guard v == Double(AnchorGenerator.configurationVersion) else {
        throw fail(
          .invalidValue, "$.version",
          "unsupported version \(v); this detkit reads version \(AnchorGenerator.configurationVersion)"
        )
      }
    }
    guard case .string(let compatName) = top["compat"]! else {
      throw fail(.wrongType, "$.compat", "expected a string, got \(top["compat"]!.typeName)")
    }
    guard let compatibility = AnchorGenerator.Compatibility(configurationName: compatName) else {
      let known = AnchorGenerator.Compatibility.allCases.map(\.configurationName)
      throw fail(
        .invalidValue, "$.compat",
        "unknown compat \"\(compatName)\"; expected one of \(known.joined(separator: ", "))")
    }
    let offset = try top["offset"].map { v throws(AnchorConfigurationError) in
      try number(v, "$.offset")
    }
    var scaleMajor = true
    if let flag = top["scaleMajor"] {
      guard case .bool(let b) = flag else {
        throw fail(.wrongType, "$.scaleMajor", "expected true or false, got \(flag.typeName)")
      }
      scaleMajor = b
    }
    guard case .array(let items) = top["levels"]! else {
      throw fail(
        .wrongType, "$.levels", "expected an array of levels, got \(top["levels"]!.typeName)")
    }
    if items.isEmpty { throw fail(.invalidValue, "$.levels", "at least one level is needed") }
    var levels: [AnchorGenerator.Level] = []
    var types: Int?
    for (i, item) in items.enumerated() {
      let path = "$.levels[\(i)]"
      let members = try object(
        item, path, keys: ["name", "stride", "sizes", "aspectRatios"],
        required: ["stride", "sizes", "aspectRatios"])
      let strideValue = try number(members["stride"]!, "\(path).stride")
      guard let stride = Int(exactly: strideValue), stride > 0 else {
        throw fail(
          .invalidValue, "\(path).stride", "must be a positive integer, got \(strideValue)")
      }
      if let previous = levels.last, stride <= previous.stride {
        throw fail(
          .invalidValue, "\(path).stride",
          "strides must increase strictly from level to level (finest first); got \(stride) after \(previous.stride)"
        )
      }
      let sizes = try positiveNumbers(members["sizes"]!, "\(path).sizes")
      let ratios = try positiveNumbers(members["aspectRatios"]!, "\(path).aspectRatios")
      var name = stride & (stride - 1) == 0 ? "P\(stride.trailingZeroBitCount)" : "L\(i)"
      if let given = members["name"] {
        guard case .string(let s) = given, !s.isEmpty else {
          throw fail(.wrongType, "\(path).name", "expected a non-empty string")
        }
        name = s
      }
      let count = sizes.count * ratios.count
      if let types, count != types {
        throw fail(
          .invalidValue, path,
          "has \(sizes.count) sizes x \(ratios.count) ratios = \(count) anchor types, but level 0 has \(types); every level needs the same number (a detector head predicts a fixed number per cell)"
        )
      }
      types = count
      levels.append(
        .init(name: name, stride: stride, size: sizes[0], sizes: sizes, aspectRatios: ratios))
    }
    if let offset {
      switch compatibility {
      case .torchvision, .detectronLegacy:
        guard offset == 0 else {
          throw fail(
            .invalidValue, "$.offset",
            "\(compatName) has no centre offset; got \(offset), expected 0 (or no offset member)")
        }
      case .detectron2, .mmdetection:
        guard offset >= 0 && offset < 1 else {
          throw fail(.invalidValue, "$.offset", "must be in [0, 1) of a stride, got \(offset)")
        }
      }
    }
    let generator = AnchorGenerator(
      levels: levels, aspectRatios: levels[0].aspectRatios ?? [1], scales: [1],
      centerOffset: offset ?? 0, compatibility: compatibility, scaleMajor: scaleMajor)
    if let problem = generator.configurationProblem {
      throw fail(.invalidValue, "$", problem)
    }
    return generator
  }
}
