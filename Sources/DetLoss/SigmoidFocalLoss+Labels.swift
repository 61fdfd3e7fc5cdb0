import DetGeometry
import DetSupport

extension SigmoidFocalLoss {
  /// Evaluates the loss for `[N, C]` logits against class-index labels, without
  /// building the one-hot target: row `i`'s target is 1 in column `labels[i]` when that
  /// is a class, all zeros for background, and the row is skipped (loss and gradient 0,
  /// not counted) when ignored; `convention` says which values mean what.
  ///
  /// - Parameters:
  ///   - logits: `N * classCount` logits, row-major.
  ///   - classCount: `C`, the number of classes (columns), > 0.
  ///   - labels: `N` labels.
  ///   - convention: the background / ignore encoding of `labels`.
  ///   - reduction: how to combine the elements; the mean is over the non-ignored
  ///     elements (non-ignored rows x C).
  ///   - normalizer: the reduced loss and the gradient are divided by this (> 0), e.g.
  ///     `max(1, positives)` (see ``LossNormalizer``).
  ///   - outputs: which of per-element values and gradient (`[N, C]`) to fill.
  /// - Returns: the loss, its `Double` sum, the count and the outputs.
  /// - Throws: ``LossError``: `shapeMismatch` when `logits.count != labels.count * C`,
  ///   `invalidLabel` for a label the convention does not allow.
  /// - Complexity: O(N C), split across cores in fixed chunks of about 32768 elements.
  public func evaluate(
    logits: [Float], classCount: Int, labels: [Int], convention: BackgroundConvention,
    reduction: Reduction, normalizer: Double = 1, outputs: LossOutputs = []
  ) throws -> LossResult {
    var (result, values, gradient) = try outputs.withBuffers(
      values: logits.count, gradient: logits.count
    ) { v, g in
      try logits.withUnsafeBufferPointer { x in
        try labels.withUnsafeBufferPointer { l in
          try evaluate(
            logits: x, classCount: classCount, labels: l, convention: convention,
            reduction: reduction,
            normalizer: normalizer, values: v, gradient: g)
        }
      }
    }
    (result.values, result.gradient) = (values, gradient)
    return result
  }

  /// The same as ``evaluate(logits:classCount:labels:convention:reduction:normalizer:outputs:)``
  /// on caller-owned memory: nothing is allocated per element, so a training loop can
  /// reuse its buffers. `values` and `gradient`, when given, must hold `N * C` floats;
  /// every element is written (ignored rows get 0). The returned result's `values` and
  /// `gradient` arrays are empty.
  ///
  /// - Complexity: O(N C), split across cores.
  public func evaluate(
    logits: UnsafeBufferPointer<Float>, classCount: Int, labels: UnsafeBufferPointer<Int>,
    convention: BackgroundConvention, reduction: Reduction, normalizer: Double = 1,
    values: UnsafeMutableBufferPointer<Float>?, gradient: UnsafeMutableBufferPointer<Float>?
  ) throws -> LossResult {
    try evaluate(
      logits: logits, classCount: classCount, labels: labels, convention: convention,
      reduction: reduction, normalizer: normalizer, values: values, gradient: gradient,
      maxConcurrency: nil, variant: .active)
  }

  func evaluate(
    logits: UnsafeBufferPointer<Float>, classCount: Int, labels: UnsafeBufferPointer<Int>,
    convention: BackgroundConvention, reduction: Reduction, normalizer: Double,
    values: UnsafeMutableBufferPointer<Float>?, gradient: UnsafeMutableBufferPointer<Float>?,
    maxConcurrency: Int?, variant: KernelVariant = .active
  ) throws -> LossResult {
    precondition(classCount > 0, "classCount must be positive, got \(classCount)")
    let rows = labels.count
    guard logits.count == rows * classCount else {
      throw LossError(
        .shapeMismatch, at: "logits",
        "expected \(rows) x \(classCount) = \(rows * classCount) values (labels x classes), found \(logits.count)"
      )
    }
    precondition(
      values == nil || values!.count == logits.count,
      "values buffer must hold \(logits.count) floats")
    precondition(
      gradient == nil || gradient!.count == logits.count,
      "gradient buffer must hold \(logits.count) floats")
    let count = try convention.countedLabels(labels, classCount: classCount) * classCount
    let scale = reduction.scale(count: count, normalizer: normalizer)
    if rows == 0 { return LossResult(loss: 0, sum: 0, count: 0) }
    let pass = FocalLabelPass(
      kernel: FocalKernel(alpha: alpha, gamma: gamma), logits: logits.baseAddress!,
      labels: labels.baseAddress!,
      classCount: classCount, convention: convention, gradientScale: Float(scale),
      values: values?.baseAddress, gradient: gradient?.baseAddress, variant: variant)
    let sum = chunkedSum(
      count: rows, chunkSize: max(1, (1 << 15) / classCount), maxConcurrency: maxConcurrency
    ) {
      pass.sum(rows: $0)
    }
    return LossResult(loss: Float(sum * scale), sum: sum, count: count)
  }
}
