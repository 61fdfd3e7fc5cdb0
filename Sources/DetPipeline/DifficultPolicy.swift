/// What the pipeline does with boxes marked difficult (Pascal VOC's `<difficult>1`).
///
/// VOC's own evaluation neither rewards nor penalises detections of difficult objects;
/// torchvision's and mmdetection's VOC loaders drop them from training by default, while
/// detectron2 keeps them. detkit keeps them unless told otherwise.
public enum DifficultPolicy: String, Hashable, Sendable, CaseIterable {
  /// Ordinary ground truth (the default; detkit's behaviour before the option existed).
  case keep
  /// Ignore regions, like crowd boxes: anchors they take neither count as positives nor as
  /// negatives (``PipelineImage/crowd``).
  case ignore
  /// Left out, as if they were not annotated.
  case drop
}
