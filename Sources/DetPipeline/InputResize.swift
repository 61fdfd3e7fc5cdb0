import DetGeometry

/// How a stored image becomes the detector's input: a peer's resize and batch padding, or
/// none (the stored size, no padding).
public enum InputResize: String, Sendable, Hashable, CaseIterable {
  /// torchvision's `GeneralizedRCNNTransform`: shorter side 800, longer at most 1333, pad 32.
  case torchvision
  /// detectron2's `ResizeShortestEdge(800, 1333)`, pad 32.
  case detectron2
  /// mmdetection's `Resize(scale=(1333, 800), keep_ratio=True)` (mmcv `rescale_size`), pad 32.
  case mmdetection
  /// The stored size; the canvas is the image.
  case none

  /// The policy, or nil for ``none``.
  public var policy: ResizePolicy? {
    switch self {
    case .torchvision: .torchvision
    case .detectron2: .detectron2
    case .mmdetection: .mmdetection
    case .none: nil
    }
  }
}
