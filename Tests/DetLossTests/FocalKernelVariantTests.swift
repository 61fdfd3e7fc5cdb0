import DetGeometry
import Testing

@testable import DetLoss

/// The C kernel variants of the gamma = 2 label path against the Swift `SIMD16` kernels
/// (`KernelVariant.swiftSIMD`): the same operations in the same order, so the same bits,
/// for every logit (whole float range, infinities, NaN, subnormals), class count (all
/// tail, exactly one group, groups plus a tail), label position (first and later groups,
/// tail, background, ignored) and output combination, and the same `Double` sum.
struct FocalKernelVariantTests {
  /// Logits covering every float magnitude: random bit patterns (all exponents, both
  /// signs, NaN and infinities included) mixed with ordinary values in [-12, 12].
  static func logits(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SyntheticBoxes.SplitMix64(state: seed)
    return (0..<count).map { k in
      let bits = UInt32(truncatingIfNeeded: rng.next())
      if k % 3 == 0 { return Float(bitPattern: bits) }
      return Float(rng.uniform() * 24 - 12)
    }
  }

  /// Equal bits, or NaN in both (a NaN's payload may come from either operand).
  static func same(_ a: Float, _ b: Float) -> Bool {
    a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
  }

  @Test(arguments: [1, 8, 15, 16, 17, 31, 32, 37, 80, 83, 91, 1203])
  func everyVariantGivesTheSwiftKernelsBits(classes: Int) throws {
    let rows = 240
    let logits = Self.logits(rows * classes, seed: UInt64(classes))
    // A positive in every column position in turn (first group, later groups, tail),
    // background every fifth row, ignored every seventh.
    let labels = (0..<rows).map { row in
      row % 7 == 0 ? -2 : row % 5 == 0 ? -1 : (row * 13) % classes
    }
    let loss = SigmoidFocalLoss(alpha: 0.25, gamma: 2)
    let reference = try loss.evaluate(
      logits: logits, classCount: classes, labels: labels, convention: .torchvision,
      reduction: .sum, normalizer: 3, variant: .swiftSIMD, maxConcurrency: 1)
    for variant in KernelVariant.supported where variant != .swiftSIMD {
      let r = try loss.evaluate(
        logits: logits, classCount: classes, labels: labels, convention: .torchvision,
        reduction: .sum, normalizer: 3, variant: variant, maxConcurrency: 1)
      #expect(
        r.sum.bitPattern == reference.sum.bitPattern || (r.sum.isNaN && reference.sum.isNaN),
        "\(variant) C \(classes): sum \(r.sum) vs \(reference.sum)")
      let valueMismatch = logits.indices.first { !Self.same(r.values[$0], reference.values[$0]) }
      let gradientMismatch = logits.indices.first {
        !Self.same(r.gradient[$0], reference.gradient[$0])
      }
      #expect(
        valueMismatch == nil,
        "\(variant) C \(classes) value \(valueMismatch ?? 0): x \(logits[valueMismatch ?? 0]), \(r.values[valueMismatch ?? 0]) vs \(reference.values[valueMismatch ?? 0])"
      )
      #expect(
        gradientMismatch == nil,
        "\(variant) C \(classes) gradient \(gradientMismatch ?? 0): x \(logits[gradientMismatch ?? 0]), \(r.gradient[gradientMismatch ?? 0]) vs \(reference.gradient[gradientMismatch ?? 0])"
      )
    }
  }

  /// The AVX-512 kernel's first pass takes a batch's full groups in blocks of two across
  /// row ends, and the groups left over one by one: every group count from 1 to 21 (C = 16,
  /// one group a row) and 1 to 7 rows of 3 or 5 groups, with and without ignored rows
  /// between them, gives the Swift kernels' bits, forward only (losses in scratch) and with
  /// both outputs. On a CPU without AVX-512 it checks the other variants only. The logits
  /// are moderate, so that every loss counts in the sum, and the widest variant runs first
  /// after the reference: scratch a store skipped still holds another input's losses.
  @Test(arguments: [16, 48, 80])
  func groupBlocksKeepTheBitsAtEveryGroupCount(classes: Int) throws {
    let loss = SigmoidFocalLoss(alpha: 0.25, gamma: 2)
    for rows in classes == 16 ? 1...21 : 1...7 {
      for ignoredBetween in [false, true] {
        let count = ignoredBetween ? 2 * rows - 1 : rows
        var rng = SplitMix64(state: UInt64(100 * classes + count))
        let logits = (0..<count * classes).map { _ in Float(rng.uniform() * 24 - 12) }
        let labels = (0..<count).map { row in
          ignoredBetween && row % 2 == 1 ? -2 : row % 3 == 0 ? -1 : (row * 29) % classes
        }
        func run(_ variant: KernelVariant, _ outputs: LossOutputs) throws -> LossResult {
          try loss.evaluate(
            logits: logits, classCount: classes, labels: labels, convention: .torchvision,
            reduction: .sum, variant: variant, maxConcurrency: 1, outputs: outputs)
        }
        for outputs in [[], [.values, .gradient]] as [LossOutputs] {
          let reference = try run(.swiftSIMD, outputs)
          for variant in KernelVariant.supported.reversed() where variant != .swiftSIMD {
            let r = try run(variant, outputs)
            let context = "\(variant) C \(classes), \(count) rows, outputs \(outputs.rawValue)"
            #expect(
              r.sum.bitPattern == reference.sum.bitPattern,
              "\(context): sum \(r.sum) vs \(reference.sum)")
            #expect(zip(r.values, reference.values).allSatisfy(Self.same), "\(context)")
            #expect(zip(r.gradient, reference.gradient).allSatisfy(Self.same), "\(context)")
          }
        }
      }
    }
  }

  /// Finite logits only, so the sums compare exactly, for each output combination (the C
  /// loop skips the derivative without a gradient buffer, and without values keeps a
  /// batch's losses in scratch: batches of 64 rows at C = 80 with one of them all ignored,
  /// two batches of 56 and fewer a call at C = 300, one row a batch and three a call at
  /// C = 9,000, one row a call at 16,400, no full group below 16) and convention, split
  /// across threads as the public function does.
  @Test(arguments: BackgroundConvention.allCases, [7, 37, 80, 300, 9_000, 16_400])
  func everyOutputCombinationAndConventionAgree(
    convention: BackgroundConvention, classes: Int
  ) throws {
    let rows = classes > 4_096 ? 6 : max(130, 80_000 / classes)
    let logits = (0..<rows * classes).map { k in Float((k * 2_654_435_761) % 2001 - 1000) / 250 }
    let background = convention == .torchvision ? -1 : classes
    let ignored = convention == .torchvision ? -2 : -1
    let labels = (0..<rows).map { row in
      row % 4 == 0 || (128..<192).contains(row)
        ? ignored : row % 3 == 0 ? (row * 7) % classes : background
    }
    let loss = SigmoidFocalLoss()
    func run(_ variant: KernelVariant, values: Bool, gradient: Bool) throws -> LossResult {
      try loss.evaluate(
        logits: logits, classCount: classes, labels: labels, convention: convention,
        reduction: .mean, variant: variant,
        outputs: LossOutputs(values ? [.values] : []).union(gradient ? [.gradient] : []))
    }
    for values in [false, true] {
      for gradient in [false, true] {
        let reference = try run(.swiftSIMD, values: values, gradient: gradient)
        for variant in KernelVariant.supported where variant != .swiftSIMD {
          let r = try run(variant, values: values, gradient: gradient)
          #expect(r.sum == reference.sum, "\(variant) values \(values) gradient \(gradient): sum")
          #expect(zip(r.values, reference.values).allSatisfy(Self.same), "\(variant) values")
          #expect(zip(r.gradient, reference.gradient).allSatisfy(Self.same), "\(variant) gradient")
        }
      }
    }
  }

  /// A gradient (or values) buffer that is the logits' own memory, as a training loop may
  /// pass to save a copy: every variant gives the bits of separate buffers (each group's
  /// logits are read before anything is written over them).
  @Test(arguments: [37, 80])
  func outputsMayOverwriteTheLogits(classes: Int) throws {
    let rows = 300
    let logits = Self.logits(rows * classes, seed: UInt64(classes) &* 31).map {
      $0.isFinite ? $0 : 1.5
    }
    let labels = (0..<rows).map { row in
      row % 7 == 0 ? -2 : row % 5 == 0 ? -1 : (row * 13) % classes
    }
    let loss = SigmoidFocalLoss()
    for variant in KernelVariant.supported {
      var values = [Float](repeating: 0, count: logits.count)
      var gradient = [Float](repeating: 0, count: logits.count)
      let separate = try logits.withUnsafeBufferPointer { x in
        try labels.withUnsafeBufferPointer { l in
          try values.withUnsafeMutableBufferPointer { v in
            try gradient.withUnsafeMutableBufferPointer { g in
              try loss.evaluate(
                logits: x, classCount: classes, labels: l, convention: .torchvision,
                reduction: .sum, normalizer: 1, values: v, gradient: g, maxConcurrency: nil,
                variant: variant
              ).sum
            }
          }
        }
      }
      for inPlace in ["gradient", "values"] {
        var shared = logits
        var other = [Float](repeating: 0, count: logits.count)
        let sum = try labels.withUnsafeBufferPointer { l in
          try other.withUnsafeMutableBufferPointer { o in
            try shared.withUnsafeMutableBufferPointer { s in
              try loss.evaluate(
                logits: UnsafeBufferPointer(s), classCount: classes, labels: l,
                convention: .torchvision, reduction: .sum, normalizer: 1,
                values: inPlace == "values" ? s : o, gradient: inPlace == "values" ? o : s,
                maxConcurrency: nil, variant: variant
              ).sum
            }
          }
        }
        let (expected, expectedOther) =
          inPlace == "values" ? (values, gradient) : (gradient, values)
        #expect(sum == separate, "\(variant) \(inPlace) in place: sum")
        #expect(
          zip(shared, expected).allSatisfy { Self.same($0, $1) },
          "\(variant) \(inPlace) written over the logits")
        #expect(zip(other, expectedOther).allSatisfy { Self.same($0, $1) }, "\(variant) other")
      }
    }
  }
}
