import CDetKernels
import DetGeometry

/// One class-index pass of ``SigmoidFocalLoss`` over rows of `[N, C]` logits, shared by
/// the threads of a chunked sum (each writes only its own rows of the outputs).
struct FocalLabelPass: @unchecked Sendable {
  let kernel: FocalKernel
  let logits: UnsafePointer<Float>
  let labels: UnsafePointer<Int>
  let classCount: Int
  let convention: BackgroundConvention
  /// The reduction's scale, applied to the gradient.
  let gradientScale: Float
  let values: UnsafeMutablePointer<Float>?
  let gradient: UnsafeMutablePointer<Float>?
  /// Whose loop runs the rows: for gamma = 2 a C variant (`detkit_focal_label_rows`, the
  /// same operations in the same order), otherwise always the Swift one below.
  let variant: KernelVariant

  /// The loss sum of `range`'s rows, writing their values and gradient when asked.
  ///
  /// - Complexity: O(rows x C).
  func sum(rows range: Range<Int>) -> Double {
    if kernel.power == .two && variant != .swiftSIMD { return cSum(rows: range) }
    return switch (values, gradient) {
    case (nil, nil): sum(rows: range, Writes<No, No>.self)
    case (_?, nil): sum(rows: range, Writes<Yes, No>.self)
    case (nil, _?): sum(rows: range, Writes<No, Yes>.self)
    case (_?, _?): sum(rows: range, Writes<Yes, Yes>.self)
    }
  }

  /// ``sum(rows:)`` in the C kernels: the rows' positive columns (`Int32.min` for an
  /// ignored row) are looked up here, the loop runs there. Without `values` the kernel
  /// keeps a batch of rows' losses in a scratch buffer: up to 64 rows' full groups of 16,
  /// at most 64 KiB unless one row needs more.
  private func cSum(rows range: Range<Int>) -> Double {
    let c = classCount
    precondition(c < Int(Int32.max), "the C kernels take class counts below 2^31, got \(c)")
    let groupFloats = c - c % 16
    let scratchCount =
      values == nil && groupFloats > 0 ? groupFloats * max(1, min(64, 16_384 / groupFloats)) : 0
    return withUnsafeTemporaryAllocation(of: Int32.self, capacity: range.count) { columns in
      // The caller validated every label.
      convention.kernelColumns(
        ofValidated: UnsafeBufferPointer(start: labels + range.lowerBound, count: range.count),
        classCount: c, into: columns)
      let parameters = detkit_focal_parameters(
        alphaPositive: kernel.alphaPositive, alphaNegative: kernel.alphaNegative,
        gradientScale: gradientScale)
      let offset = range.lowerBound * c
      return withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, scratchCount)) {
        scratch in
        detkit_focal_label_rows(
          variant.cCode, parameters, logits + offset, columns.baseAddress, range.count, c,
          values.map { $0 + offset }, gradient.map { $0 + offset }, scratch.baseAddress,
          scratchCount)
      }
    }
  }

  /// Specialised per output combination: with the outputs' presence known at compile
  /// time the loops carry no per-group tests and no dead derivative work (forward only,
  /// 12% fewer instructions than one loop testing at run time).
  private func sum<W: OutputWrites>(rows range: Range<Int>, _: W.Type) -> Double {
    let vp = W.Values.isOn ? values.unsafelyUnwrapped : nil
    let gp = W.Gradient.isOn ? gradient.unsafelyUnwrapped : nil
    let c = classCount
    let gammaTwo = kernel.power == .two
    let negativeScale: Float? = gp != nil ? gradientScale : nil
    var total = 0.0
    for row in range {
      let base = row * c
      // The caller validated every label, so the lookup cannot throw here.
      guard let column = try? convention.positiveColumn(of: labels[row], classCount: c, row: row)
      else {
        vp?.advanced(by: base).update(repeating: 0, count: c)
        gp?.advanced(by: base).update(repeating: 0, count: c)
        continue
      }
      // One label, so at most one group of lanes holds a positive: the groups before and
      // after it take the all-negative path in loops with no per-group test.
      let fullEnd = c - c % FloatLanes.scalarCount
      let positiveStart =
        column >= 0 && column < fullEnd ? column - column % FloatLanes.scalarCount : fullEnd
      @inline(__always) func load(_ j: Int) -> FloatLanes {
        UnsafeRawPointer(logits + base + j).loadUnaligned(as: FloatLanes.self)
      }
      /// One group's results at column `j`; `derivative` is already scaled.
      @inline(__always) func store(_ j: Int, _ loss: FloatLanes, _ derivative: FloatLanes) {
        if let vp {
          UnsafeMutableRawPointer(vp + base + j).storeBytes(of: loss, as: FloatLanes.self)
        }
        if let gp {
          UnsafeMutableRawPointer(gp + base + j).storeBytes(of: derivative, as: FloatLanes.self)
        }
      }
      @inline(__always) func negativeGroups(_ start: Int, _ end: Int, _ sum: FloatLanes)
        -> FloatLanes
      {
        var sum = sum
        var j = start
        // The kernel choice stays outside the loops: tested per group it costs 1.6% more
        // instructions.
        if gammaTwo {
          while j < end {
            // The cheaper kernel, which scales the derivative itself.
            let (loss, derivative) = kernel.negativeLanesGammaTwo(
              load(j), derivativeScale: negativeScale)
            sum += loss
            store(j, loss, derivative)
            j &+= FloatLanes.scalarCount
          }
        } else {
          while j < end {
            let lanes = kernel.lanes(load(j), FloatLanes(), hard: true, derivative: gp != nil)
            sum += lanes.loss
            store(j, lanes.loss, lanes.derivative * gradientScale)
            j &+= FloatLanes.scalarCount
          }
        }
        return sum
      }
      var rowSum = negativeGroups(0, positiveStart, FloatLanes())
      if positiveStart < fullEnd {
        var tv = FloatLanes()
        tv[column - positiveStart] = 1
        let lanes = kernel.lanes(load(positiveStart), tv, hard: true, derivative: gp != nil)
        rowSum += lanes.loss
        store(positiveStart, lanes.loss, lanes.derivative * gradientScale)
        rowSum = negativeGroups(positiveStart + FloatLanes.scalarCount, fullEnd, rowSum)
      }
      let j = fullEnd
      total += Double(rowSum.halvingSum)
      if j < c {
        var xv = FloatLanes()
        for lane in 0..<c - j { xv[lane] = logits[base + j + lane] }
        var tv = FloatLanes()
        if column >= j && column < c { tv[column - j] = 1 }
        let (loss, derivative) = kernel.lanes(xv, tv, hard: true, derivative: gp != nil)
        for lane in 0..<c - j {
          total += Double(loss[lane])
          vp?[base + j + lane] = loss[lane]
          gp?[base + j + lane] = derivative[lane] * gradientScale
        }
      }
    }
    return total
  }
}

/// Compile-time presence of an output.
protocol OutputSwitch { static var isOn: Bool { get } }
enum Yes: OutputSwitch { static var isOn: Bool { true } }
enum No: OutputSwitch { static var isOn: Bool { false } }

/// Which of values and gradient a pass writes, as types.
protocol OutputWrites {
  associatedtype Values: OutputSwitch
  associatedtype Gradient: OutputSwitch
}
enum Writes<Values: OutputSwitch, Gradient: OutputSwitch>: OutputWrites {}
