import DetGeometry
import DetMatching

/// How an image's anchors get training targets: the anchor preset's matcher (or ATSS),
/// optional crowd ignore regions, torchvision's box coder.
///
/// The matcher is the preset's detector's (``DetMatching/IoUMatcher/preset(_:policy:)``:
/// FPN -> RPN 0.7/0.3, RetinaNet -> 0.5/0.4, low-quality matches on) with the chosen
/// labelling rule; ATSS is mmdetection's `ATSSAssigner` without the fallback.
public struct TargetAssignment: Sendable, Hashable {
  /// Who assigns ground truth to anchors.
  public enum Assigner: Sendable, Hashable {
    /// Max-IoU matching with the preset's thresholds and this labelling rule.
    case maxIoU(policy: MatchPolicy)
    /// mmdetection's ATSS, `topK` candidates per level and box.
    case atss(topK: Int)
  }

  /// The anchor preset (picks the matcher's thresholds).
  public var preset: AnchorGenerator.Preset
  /// The assigner.
  public var assigner: Assigner
  /// Intersection over anchor area above which an anchor inside a crowd box is ignored;
  /// nil: crowd boxes take no part.
  public var ignoreCrowdIoF: Float?
  /// The delta coding of the box targets (torchvision: weights 1, 1, 1, 1).
  public var coder: BoxCoder

  /// Creates an assignment; the defaults are torchvision's (max-IoU, torchvision's rule,
  /// crowd boxes not used, `BoxCoder()`).
  public init(
    preset: AnchorGenerator.Preset, assigner: Assigner = .maxIoU(policy: .torchvision),
    ignoreCrowdIoF: Float? = nil, coder: BoxCoder = BoxCoder()
  ) {
    self.preset = preset
    self.assigner = assigner
    self.ignoreCrowdIoF = ignoreCrowdIoF
    self.coder = coder
  }

  /// The targets of one image on its canvas's anchors.
  ///
  /// - Parameters:
  ///   - image: the image (ground truth resized onto `grid`'s canvas).
  ///   - grid: the canvas's anchors.
  ///   - index: `grid`'s index (the sparse matcher's).
  /// - Throws: ``PipelineError`` (``PipelineError/Code/assignmentFailed``) naming the image
  ///   when the matcher rejects its ground truth (a degenerate box).
  /// - Complexity: the matcher's: O(N + M log M) sparse on a grid, plus O(N) encoding.
  public func targets(
    of image: PipelineImage, grid: AnchorGrid, index: GridAnchorIndex
  ) throws(PipelineError) -> TrainingTargets {
    let regions = ignoreCrowdIoF != nil ? image.crowd : BoxArray()
    let result: MatchResult
    do {
      switch assigner {
      case .maxIoU(let policy):
        var matcher = IoUMatcher.preset(preset, policy: policy)
        matcher.ignoreIoFThreshold = ignoreCrowdIoF
        result = try matcher.match(groundTruth: image.boxes, in: index, ignoreRegions: regions)
      case .atss(let topK):
        result = try ATSSAssigner(
          topK: topK, fallsBackToBestCandidate: false, ignoreIoFThreshold: ignoreCrowdIoF
        )
        .assign(groundTruth: image.boxes, grid: grid, ignoreRegions: regions)
      }
    } catch {
      throw PipelineError.wrapping(
        error, .assignmentFailed, at: "image \(image.record.id) (\(image.record.fileName))")
    }
    return TrainingTargets(
      match: result, classes: image.labels, groundTruth: image.boxes, anchors: grid.boxes,
      coder: coder)
  }
}
