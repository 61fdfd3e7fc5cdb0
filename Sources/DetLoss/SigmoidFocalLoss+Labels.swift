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
    let n = logits.count
    var values = [Float](repeating: 0, count: outputs.contains(.values) ? n : 0)
    var gradient = [Float](repeating: 0, count: outputs.contains(.gradient) ? n : 0)
    var result = try logits.withUnsafeBufferPointer { x in
      try labels.withUnsafeBufferPointer { l in
        try values.withUnsafeMutableBufferPointer { v in
          try gradient.withUnsafeMutableBufferPointer { g in
            try evaluate(
              logits: x, classCount: classCount, labels: l, convention: convention,
              reduction: reduction, normalizer: normalizer,
              values: outputs.contains(.values) ? v : nil,
              gradient: outputs.contains(.gradient) ? g : nil)
          }
        }
      }
    }
    result.values = values
    result.gradient = gradient
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
      maxConcurrency: nil)
  }

  func evaluate(
    logits: UnsafeBufferPointer<Float>, classCount: Int, labels: UnsafeBufferPointer<Int>,
    convention: BackgroundConvention, reduction: Reduction, normalizer: Double,
    values: UnsafeMutableBufferPointer<Float>?, gradient: UnsafeMutableBufferPointer<Float>?,
    maxConcurrency: Int?
  ) throws -> LossResult {
    precondition(classCount > 0, "classCount must be positive, got \(classCount)")
    let rows = labels.count
    guard logits.count == rows * classCount else {
      throw LossError(
        .shapeMismatch, at: "logits",
        "expected \(rows) x \(classCount) = \(rows * classCount) values (labels x classes), found \(logits.count)")
    }
    precondition(values == nil || values!.count == logits.count, "values buffer must hold \(logits.count) floats")
    precondition(gradient == nil || gradient!.count == logits.count, "gradient buffer must hold \(logits.count) floats")
    let count = try convention.countedLabels(labels, classCount: classCount) * classCount
    let scale = reduction.scale(count: count, normalizer: normalizer)
    if rows == 0 { return LossResult(loss: 0, sum: 0, count: 0) }
    let kernel = FocalKernel(alpha: alpha, gamma: gamma)
    let gradientScale = Float(scale)
    let (xp, lp) = (logits.baseAddress!, labels.baseAddress!)
    let (vp, gp) = (values?.baseAddress, gradient?.baseAddress)
    let c = classCount
    let gammaTwo = kernel.power == .two
    let negativeScale: Float? = gp != nil ? gradientScale : nil
    let sum = chunkedSum(count: rows, chunkSize: max(1, (1 << 15) / c), maxConcurrency: maxConcurrency) { range in
      var total = 0.0
      for row in range {
        let base = row * c
        // Validated above, so the lookup cannot throw here.
        guard let column = try? convention.positiveColumn(of: lp[row], classCount: c, row: row) else {
          vp?.advanced(by: base).update(repeating: 0, count: c)
          gp?.advanced(by: base).update(repeating: 0, count: c)
          continue
        }
        // One label, so at most one group of 8 holds a positive: the groups before and
        // after it take the all-negative path in loops with no per-group test.
        let fullEnd = c & ~7
        let positiveStart = column >= 0 && column < fullEnd ? column & ~7 : fullEnd
        @inline(__always) func negativeGroups(_ start: Int, _ end: Int, _ sum: FloatLanes) -> FloatLanes {
          var sum = sum
          var j = start
          if gammaTwo {
            while j < end {
              let xv = UnsafeRawPointer(xp + base + j).loadUnaligned(as: FloatLanes.self)
              // The cheaper kernel, which scales the derivative itself.
              let (loss, derivative) = kernel.negativeLanesGammaTwo(xv, derivativeScale: negativeScale)
              sum += loss
              if let vp { UnsafeMutableRawPointer(vp + base + j).storeBytes(of: loss, as: FloatLanes.self) }
              if let gp { UnsafeMutableRawPointer(gp + base + j).storeBytes(of: derivative, as: FloatLanes.self) }
              j &+= 8
            }
          } else {
            while j < end {
              let xv = UnsafeRawPointer(xp + base + j).loadUnaligned(as: FloatLanes.self)
              let (loss, derivative) = kernel.lanes(xv, FloatLanes(), hard: true, derivative: gp != nil)
              sum += loss
              if let vp { UnsafeMutableRawPointer(vp + base + j).storeBytes(of: loss, as: FloatLanes.self) }
              if let gp {
                UnsafeMutableRawPointer(gp + base + j).storeBytes(of: derivative * gradientScale, as: FloatLanes.self)
              }
              j &+= 8
            }
          }
          return sum
        }
        var rowSum = negativeGroups(0, positiveStart, FloatLanes())
        if positiveStart < fullEnd {
          let xv = UnsafeRawPointer(xp + base + positiveStart).loadUnaligned(as: FloatLanes.self)
          var tv = FloatLanes()
          tv[column - positiveStart] = 1
          let lanes = kernel.lanes(xv, tv, hard: true, derivative: gp != nil)
          rowSum += lanes.loss
          if let vp { UnsafeMutableRawPointer(vp + base + positiveStart).storeBytes(of: lanes.loss, as: FloatLanes.self) }
          if let gp {
            UnsafeMutableRawPointer(gp + base + positiveStart).storeBytes(
              of: lanes.derivative * gradientScale, as: FloatLanes.self)
          }
          rowSum = negativeGroups(positiveStart + 8, fullEnd, rowSum)
        }
        let j = fullEnd
        total += Double(rowSum.sum())
        if j < c {
          var xv = FloatLanes()
          for lane in 0 ..< c - j { xv[lane] = xp[base + j + lane] }
          var tv = FloatLanes()
          if column >= j && column < c { tv[column - j] = 1 }
          let (loss, derivative) = kernel.lanes(xv, tv, hard: true, derivative: gp != nil)
          for lane in 0 ..< c - j {
            total += Double(loss[lane])
            vp?[base + j + lane] = loss[lane]
            gp?[base + j + lane] = derivative[lane] * gradientScale
          }
        }
      }
      return total
    }
    return LossResult(loss: Float(sum * scale), sum: sum, count: count)
  }
}
