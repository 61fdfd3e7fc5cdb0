/// How a class-index target array marks background and ignored anchors, per framework.
///
/// With `C` classes, labels `0 ..< C` are always the positive class of the anchor.
///
/// | convention | background | ignored (excluded from the sum) | anything else |
/// |---|---|---|---|
/// | ``torchvision`` | `-1` (``MatchLabel/background``) | `-2` (``MatchLabel/ignore``) | invalid |
/// | ``detectron2`` | `C` | any negative (detectron2 writes `-1`) | invalid (`> C`) |
/// | ``mmdetection`` | `C` | any negative (an anchor whose label weight is 0) | invalid (`> C`) |
///
/// torchvision builds the one-hot target directly (`gt_classes_target`) and drops
/// anchors matched `-2`; detectron2 and mmdetection one-hot into `C + 1` columns and drop
/// the background column. All three give the same per-element losses; detkit never
/// materialises the one-hot matrix.
public enum BackgroundConvention: String, Sendable, Hashable, CaseIterable {
  case torchvision
  case detectron2
  case mmdetection

  /// The positive column of an anchor with `label`: `0 ..< classCount` for a positive,
  /// `-1` for background, `nil` for ignored.
  ///
  /// - Throws: ``LossError`` (`invalidLabel`) for a label the convention does not allow.
  /// - Complexity: O(1).
  func positiveColumn(of label: Int, classCount: Int, row: Int) throws -> Int? {
    if label >= 0 && label < classCount { return label }
    switch self {
    case .torchvision:
      if label == -1 { return -1 }
      if label == -2 { return nil }
      throw LossError(
        .invalidLabel, at: "labels[\(row)]",
        "expected a class in 0..<\(classCount), -1 (background) or -2 (ignore) under the torchvision convention, found \(label)"
      )
    case .detectron2, .mmdetection:
      if label == classCount { return -1 }
      if label < 0 { return nil }
      throw LossError(
        .invalidLabel, at: "labels[\(row)]",
        "expected a class in 0..<\(classCount), \(classCount) (background) or a negative value (ignore) under the \(rawValue) convention, found \(label)"
      )
    }
  }

  /// ``positiveColumn(of:classCount:row:)`` of each label, already validated (by
  /// ``countedLabels(_:classCount:)``), in the C kernels' encoding: the column, `-1` for
  /// background, `Int32.min` for ignored. No error path, and the convention is chosen once
  /// outside the loop, so it vectorises.
  ///
  /// - Precondition: every label is valid under this convention, `classCount < Int32.max`,
  ///   and `columns.count == labels.count`.
  func kernelColumns(
    ofValidated labels: UnsafeBufferPointer<Int>, classCount: Int,
    into columns: UnsafeMutableBufferPointer<Int32>
  ) {
    precondition(columns.count == labels.count, "one column per label")
    switch self {
    case .torchvision:
      for k in labels.indices {
        let label = labels[k]
        columns[k] = label == -2 ? .min : Int32(truncatingIfNeeded: label)
      }
    case .detectron2, .mmdetection:
      for k in labels.indices {
        let label = labels[k]
        columns[k] =
          label < 0 ? .min : label == classCount ? -1 : Int32(truncatingIfNeeded: label)
      }
    }
  }

  /// The number of labels that are not ignored (positives and background), validating
  /// every label as ``positiveColumn(of:classCount:row:)`` does.
  ///
  /// - Throws: ``LossError`` (`invalidLabel`) naming the first invalid label.
  /// - Complexity: O(n), one branch-free pass (a second one only to name an invalid label).
  func countedLabels(_ labels: UnsafeBufferPointer<Int>, classCount: Int) throws -> Int {
    var counted = 0
    // Invalid labels seen, counted without a short circuit so that the loops vectorise.
    var invalid = 0
    switch self {
    case .torchvision:
      // Valid: -2 ..< classCount, one unsigned comparison.
      let validSpan = UInt(bitPattern: classCount &+ 2)
      for label in labels {
        counted &+= label >= -1 ? 1 : 0
        invalid &+= UInt(bitPattern: label &+ 2) >= validSpan ? 1 : 0
      }
    case .detectron2, .mmdetection:
      for label in labels {
        counted &+= label >= 0 ? 1 : 0
        invalid &+= label > classCount ? 1 : 0
      }
    }
    if invalid > 0 {
      for row in labels.indices {
        _ = try positiveColumn(of: labels[row], classCount: classCount, row: row)
      }
    }
    return counted
  }
}
