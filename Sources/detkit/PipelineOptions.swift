import ArgumentParser
import DetGeometry
import DetMatching
import DetPipeline

/// `--resize` values: the peers' input transform, or none (stored sizes, no padding).
extension InputResize: ExpressibleByArgument {}

/// `--framework` values.
extension DetectorFramework: ExpressibleByArgument {}

/// `--difficult` values.
extension DifficultPolicy: ExpressibleByArgument {}

/// The options every dataset pipeline command shares: store, dataset, anchors (a preset or
/// a configuration file), matcher, resize, subset, difficult boxes.
struct PipelineOptions: ParsableArguments {
  @Option(help: "The SQLite store file.")
  var db: String

  @Option(help: "The dataset.")
  var name: String

  @Option(help: "Anchor preset: fpn or retinanet (or give --anchor-config).")
  var preset: PresetOption?

  @OptionGroup var anchors: AnchorOptions

  @Option(
    help:
      "Matcher thresholds: rpn (0.7/0.3) or retinanet (0.5/0.4), low-quality matches on (default: the preset's; needed with --anchor-config)."
  )
  var matcher: MatcherOption?

  @Option(
    help:
      "Input resize: torchvision (800/1333, pad 32), detectron2, mmdetection, or none (stored size)."
  )
  var resize: InputResize = .torchvision

  @Option(help: "A file of image ids or file names, one a line: only those images.")
  var subset: String?

  @Option(help: "Boxes marked difficult (VOC): keep, ignore (like crowd) or drop.")
  var difficult: DifficultPolicy = .keep

  func validate() throws {
    try anchors.checkExclusive(preset: preset)
    if preset == nil && anchors.anchorConfig == nil {
      throw ValidationError("give --preset fpn|retinanet or --anchor-config FILE")
    }
  }

  /// The anchors: the configuration file's or the preset's.
  var generator: AnchorGenerator {
    get throws(ValidationError) {
      guard let g = try anchors.generator(preset) else {
        throw ValidationError("give --preset fpn|retinanet or --anchor-config FILE")
      }
      return g
    }
  }

  /// The anchor arithmetic the anchors use (the file's unless --compat is given), spelled as
  /// on the command line; call after validation (a bad file gives an empty string).
  var compatName: String {
    (try? generator)?.compatibility.configurationName ?? ""
  }

  /// The matcher's name: `--matcher`, else the preset's (fpn: rpn, retinanet: retinanet).
  ///
  /// - Throws: `ValidationError` with `--anchor-config` and no `--matcher`: a
  ///   configuration file does not say which detector will train on it.
  func matcherChoice() throws(ValidationError) -> MatcherOption {
    if let matcher { return matcher }
    switch preset {
    case .fpn: return .rpn
    case .retinanet: return .retinanet
    case nil:
      throw ValidationError(
        "--anchor-config needs --matcher rpn|retinanet: the thresholds positives are counted under"
      )
    }
  }

  /// How tables and titles name the anchors: the preset, or the configuration file.
  var anchorSource: String { anchors.sourceName(preset) }

  /// The dataset, opened, restricted to `--subset`.
  func walker() throws -> DatasetWalker {
    var walker = try DatasetWalker(db: db, name: name, resize: resize)
    if let subset {
      walker.subset = try ImageSubset(file: subset, store: walker.store, dataset: name)
    }
    walker.difficult = difficult
    return walker
  }
}

/// `--matcher` values: the detectors' max-IoU matchers (``DetMatching/IoUMatcher/rpn``,
/// ``DetMatching/IoUMatcher/retinaNet``).
enum MatcherOption: String, ExpressibleByArgument, CaseIterable {
  case rpn, retinanet

  /// The matcher, torchvision's labelling rule.
  var matcher: IoUMatcher { self == .rpn ? .rpn : .retinaNet }
}
