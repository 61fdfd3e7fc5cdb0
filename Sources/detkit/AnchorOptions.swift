import ArgumentParser
import DetGeometry

/// `--compat`, shared by every command that builds anchors (anchors, match, coverage,
/// targets, draw, loss retinanet / rpn), so its default is written once: torchvision.
struct AnchorOptions: ParsableArguments {
  @Option(help: "Anchor arithmetic: torchvision, detectron2, mmdetection, detectron-legacy.")
  var compat: CompatOption = .torchvision

  /// The preset's generator in the chosen arithmetic.
  func generator(_ preset: PresetOption) -> AnchorGenerator {
    AnchorGenerator(preset: preset.preset, compatibility: compat.compatibility)
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

  var compatibility: AnchorGenerator.Compatibility {
    switch self {
    case .torchvision: .torchvision
    case .detectron2: .detectron2
    case .mmdetection: .mmdetection
    case .detectronLegacy: .detectronLegacy
    }
  }
}
