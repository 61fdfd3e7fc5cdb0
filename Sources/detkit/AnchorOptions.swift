import ArgumentParser
import DetGeometry

/// `--compat` and `--anchor-config FILE`, shared by every command that builds anchors
/// (anchors, match, coverage, targets, draw, layout, loss retinanet / rpn), so their defaults and
/// rules are written once:
///
/// - a preset's anchors use `--compat`, default torchvision;
/// - `--anchor-config FILE` takes the place of the command's preset (`--preset`, or the
///   head's for `loss`); the file's compat is used unless `--compat` is given;
/// - a bad file is a usage error (exit 64) naming the file and the JSON path.
struct AnchorOptions: ParsableArguments {
  @Option(
    help:
      "Anchor arithmetic: torchvision, detectron2, mmdetection, detectron-legacy (default: torchvision, or the --anchor-config file's)."
  )
  var compat: CompatOption?

  @Option(help: "Anchor configuration file (JSON, see README) in place of --preset.")
  var anchorConfig: String?

  /// The arithmetic of a preset's anchors when `--compat` is not given.
  static let defaultCompat = CompatOption.torchvision

  func validate() throws {
    _ = try configuredGenerator()
  }

  /// The `--anchor-config` file's generator, `--compat` applied when given; `nil` without
  /// `--anchor-config`.
  ///
  /// - Throws: `ValidationError` naming the file and the JSON path of a bad document, or
  ///   the file with `--compat` when that arithmetic cannot express it.
  func configuredGenerator() throws(ValidationError) -> AnchorGenerator? {
    guard let anchorConfig else { return nil }
    var generator: AnchorGenerator
    do {
      generator = try AnchorGenerator(contentsOfConfiguration: anchorConfig)
    } catch {
      throw ValidationError("--anchor-config \(error)")
    }
    if let compat {
      generator.compatibility = compat.compatibility
      if let problem = generator.configurationProblem {
        throw ValidationError(
          "--anchor-config \(anchorConfig) with --compat \(compat.rawValue): \(problem)")
      }
    }
    return generator
  }

  /// The anchors: the `--anchor-config` file's, else `preset`'s in `--compat` (default
  /// torchvision); `nil` when there is neither.
  func generator(_ preset: PresetOption?) throws(ValidationError) -> AnchorGenerator? {
    if let configured = try configuredGenerator() { return configured }
    guard let preset else { return nil }
    return AnchorGenerator(
      preset: preset.preset, compatibility: (compat ?? Self.defaultCompat).compatibility)
  }

  /// Checks that a command's `--preset` and `--anchor-config` are not both given.
  func checkExclusive(preset: PresetOption?) throws(ValidationError) {
    if preset != nil && anchorConfig != nil {
      throw ValidationError("--preset and --anchor-config are exclusive; give one")
    }
  }

  /// How tables and titles name the anchors: the configuration file, or the preset.
  func sourceName(_ preset: PresetOption?) -> String {
    anchorConfig ?? preset?.rawValue ?? ""
  }
}

/// `--preset` values.
enum PresetOption: String, ExpressibleByArgument, CaseIterable {
  case fpn, retinanet

  var preset: AnchorGenerator.Preset { self == .fpn ? .fpn : .retinanet }
}

/// `--compat` values (the CLI spells the legacy mode with a hyphen).
enum CompatOption: String, ExpressibleByArgument, CaseIterable {
  case torchvision, detectron2, mmdetection
  case detectronLegacy = "detectron-legacy"

  init(_ compatibility: AnchorGenerator.Compatibility) {
    switch compatibility {
    case .torchvision: self = .torchvision
    case .detectron2: self = .detectron2
    case .mmdetection: self = .mmdetection
    case .detectronLegacy: self = .detectronLegacy
    }
  }

  var compatibility: AnchorGenerator.Compatibility {
    switch self {
    case .torchvision: .torchvision
    case .detectron2: .detectron2
    case .mmdetection: .mmdetection
    case .detectronLegacy: .detectronLegacy
    }
  }
}
