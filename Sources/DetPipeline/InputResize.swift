import DetGeometry

/// How a stored image becomes the detector's input: a peer's resize and batch padding, or
/// none (the stored size, no padding).
public enum InputResize: String, Sendable, Hashable, CaseIterable {
  /// torchvision's `GeneralizedRCNNTransform`: shorter side 800, longer at most 1333, pad 32.
  case torchvision
  /// detectron2's `ResizeShortestEdge(800, 1333)`, pad 32.
  case detectron2
  /// The stored size; the canvas is the image.
  case none

  /// The policy, or nil for ``none``.
  public var policy: ResizePolicy? {
    switch self {
    case .torchvision: .torchvision
    case .detectron2: .detectron2
    case .none: nil
    }
  }
}
