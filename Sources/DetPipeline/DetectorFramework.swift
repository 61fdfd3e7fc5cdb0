import DetGeometry
import DetLoss
import DetMatching

/// The detector framework whose standard COCO RetinaNet training step a loss run
/// reproduces: its resize and batch padding, anchor arithmetic and order, matcher, box
/// coder, classification and box losses, crowd handling and normaliser.
///
/// | | torchvision | detectron2 | mmdetection |
/// |---|---|---|---|
/// | reproduces | `RetinaNet.compute_loss` (`models/detection/retinanet.py`) | `RetinaNet.losses` / `label_anchors` (`modeling/meta_arch/retinanet.py`) with `configs/Base-RetinaNet.yaml` | `RetinaHead.loss_by_feat` (`AnchorHead`, `models/dense_heads/anchor_head.py`) with `configs/retinanet/retinanet_r50_fpn_1x_coco.py` |
/// | resize (no `image_sizes`) | `GeneralizedRCNNTransform` 800 / 1333 | `ResizeShortestEdge` 800 / 1333 | `Resize(scale=(1333, 800), keep_ratio=True)`, mmcv `rescale_size` |
/// | batch canvas | largest H and W of the batch, each rounded up to 32 | same (`ImageList.from_tensors`) | same (`pad_size_divisor=32`) |
/// | flip | mirrored on the stored image, before the resize (references) | mirrored on the resized image | mirrored on the resized image |
/// | anchors | ``DetGeometry/AnchorGenerator/Compatibility/torchvision`` | ``DetGeometry/AnchorGenerator/Compatibility/detectron2`` (offset 0, size-major) | ``DetGeometry/AnchorGenerator/Compatibility/mmdetection`` (ratio-major) |
/// | matcher 0.5 / 0.4, low-quality | torchvision `Matcher` | detectron2 `Matcher` | `MaxIoUAssigner` (`min_pos_iou` 0); anchors outside the image's own padded shape take no part |
/// | box loss | L1 | smooth L1, beta 0 (= L1) | `L1Loss` |
/// | normaliser | per image `max(1, P_i)`, mean over images | EMA of the batch's positives (start 100, momentum 0.9), across batches | `sum_i max(1, P_i)` + float32 eps |
///
/// Crowd annotations take no part in any of them (dropped by torchvision's and
/// detectron2's data loaders; mmdetection's `ignore_iof_thr` is -1).
public enum DetectorFramework: String, Sendable, Hashable, CaseIterable {
  case torchvision, detectron2, mmdetection

  /// The framework's resize when a batch does not state its image sizes.
  public var resize: InputResize {
    switch self {
    case .torchvision: .torchvision
    case .detectron2: .detectron2
    case .mmdetection: .mmdetection
    }
  }

  /// The anchor arithmetic and order of the framework's RetinaNet anchors.
  public var compatibility: AnchorGenerator.Compatibility {
    switch self {
    case .torchvision: .torchvision
    case .detectron2: .detectron2
    case .mmdetection: .mmdetection
    }
  }

  /// The batch canvas is a multiple of this (every framework's FPN configs: 32).
  public var sizeDivisor: Int { 32 }

  /// Whether anchors outside an image's own padded shape (its resized size rounded up to
  /// ``sizeDivisor``) are invalid: neither matched nor counted (mmdetection's
  /// `valid_flags`).
  public var invalidatesAnchorsOutsideImage: Bool { self == .mmdetection }

  /// Whether the batch normaliser is detectron2's EMA, carried from batch to batch.
  public var carriesNormalizer: Bool { self == .detectron2 }

  /// The framework's RetinaNet loss on one batch (forward only).
  public var criterion: RetinaNetCriterion {
    var c: RetinaNetCriterion
    switch self {
    case .torchvision:
      c = RetinaNetCriterion(
        matcher: IoUMatcher(
          high: 0.5, low: 0.4, allowsLowQualityMatches: true, policy: .torchvision),
        boxLoss: .l1, coder: BoxCoder(), normalization: .torchvision)
    case .detectron2:
      c = RetinaNetCriterion(
        matcher: IoUMatcher(
          high: 0.5, low: 0.4, allowsLowQualityMatches: true, policy: .detectron2),
        boxLoss: .smoothL1(beta: 0), coder: BoxCoder(), normalization: .detectron2)
    case .mmdetection:
      c = RetinaNetCriterion(
        matcher: IoUMatcher(
          high: 0.5, low: 0.4, allowsLowQualityMatches: true,
          policy: .mmdetection(minPositiveIoU: 0, assignsAllTies: true)),
        boxLoss: .l1,
        coder: BoxCoder(
          .mmdetection(means: SIMD4(repeating: 0), stds: SIMD4(repeating: 1), centerClamp: nil)),
        normalization: .mmdetection)
    }
    c.computesLogitsGradient = false
    return c
  }

  /// `boxes` of a stored image of size `stored`, as the framework's data pipeline hands
  /// them to the loss when the image was resized to `resized` and, if `flipped`, mirrored
  /// horizontally.
  ///
  /// torchvision (its references' `ConvertCocoPolysToMask` and `RandomHorizontalFlip`)
  /// clamps to the stored image, mirrors on it (`x -> W - x`, float32) and then multiplies
  /// by the float32 ratios `resized / stored`; detectron2 (`transform_instance_annotations`)
  /// multiplies by the ratios, mirrors on the resized width and clips to the resized image
  /// in float64, rounding to float32 once; mmdetection (`Resize`, `RandomFlip`) multiplies
  /// in float32, clips to the resized image and mirrors on its width in float32.
  ///
  /// - Complexity: O(boxes).
  public func map(_ boxes: BoxArray, from stored: ImageSize, to resized: ImageSize, flipped: Bool)
    -> BoxArray
  {
    var out = boxes
    switch self {
    case .torchvision:
      let rx = Float(resized.width) / Float(stored.width)
      let ry = Float(resized.height) / Float(stored.height)
      let (w, h) = (Float(stored.width), Float(stored.height))
      out.withUnsafeMutableBufferPointer { v in
        for i in Swift.stride(from: 0, to: v.count, by: 4) {
          let (a, b) = (min(max(v[i], 0), w), min(max(v[i + 2], 0), w))
          let (x1, x2) = flipped ? (w - b, w - a) : (a, b)
          v[i] = x1 * rx
          v[i + 1] = min(max(v[i + 1], 0), h) * ry
          v[i + 2] = x2 * rx
          v[i + 3] = min(max(v[i + 3], 0), h) * ry
        }
      }
    case .detectron2:
      let rx = Double(resized.width) / Double(stored.width)
      let ry = Double(resized.height) / Double(stored.height)
      let (w, h) = (Double(resized.width), Double(resized.height))
      func clip(_ x: Double, _ side: Double) -> Float { Float(min(max(x, 0), side)) }
      out.withUnsafeMutableBufferPointer { v in
        for i in Swift.stride(from: 0, to: v.count, by: 4) {
          let (a, b) = (Double(v[i]) * rx, Double(v[i + 2]) * rx)
          let (x1, x2) = flipped ? (w - b, w - a) : (a, b)
          v[i] = clip(x1, w)
          v[i + 1] = clip(Double(v[i + 1]) * ry, h)
          v[i + 2] = clip(x2, w)
          v[i + 3] = clip(Double(v[i + 3]) * ry, h)
        }
      }
    case .mmdetection:
      let rx = Float(Double(resized.width) / Double(stored.width))
      let ry = Float(Double(resized.height) / Double(stored.height))
      let (w, h) = (Float(resized.width), Float(resized.height))
      out.withUnsafeMutableBufferPointer { v in
        for i in Swift.stride(from: 0, to: v.count, by: 4) {
          let a = min(max(v[i] * rx, 0), w)
          let b = min(max(v[i + 2] * rx, 0), w)
          v[i + 1] = min(max(v[i + 1] * ry, 0), h)
          v[i + 3] = min(max(v[i + 3] * ry, 0), h)
          (v[i], v[i + 2]) = flipped ? (w - b, w - a) : (a, b)
        }
      }
    }
    return out
  }
}
