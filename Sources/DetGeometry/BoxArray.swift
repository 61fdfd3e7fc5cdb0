/// A contiguous array of boxes stored row-major as `count x 4` `Float`s
/// `(x1, y1, x2, y2)`, the memory layout of an NPY / safetensors `[N, 4]` float32 tensor.
///
/// Hot loops should take the flat storage once with ``withUnsafeBufferPointer(_:)``
/// rather than going through the `Box` subscript.
public struct BoxArray: Hashable, Sendable, RandomAccessCollection, MutableCollection {
  /// The flat storage: box `i` occupies `values[4*i ..< 4*i + 4]`.
  public private(set) var values: [Float]

  /// Creates an empty array.
  public init() { values = [] }

  /// Creates `count` boxes with every coordinate set to zero.
  ///
  /// - Complexity: O(`count`).
  public init(zeros count: Int) {
    precondition(count >= 0, "BoxArray count must be non-negative, got \(count)")
    values = [Float](repeating: 0, count: count * 4)
  }

  /// Wraps flat `N x 4` storage.
  ///
  /// - Precondition: `values.count` is a multiple of 4.
  /// - Complexity: O(1).
  public init(flat values: [Float]) {
    precondition(
      values.count % 4 == 0,
      "flat box storage must hold a multiple of 4 values, got \(values.count)")
    self.values = values
  }

  /// Creates an array from boxes.
  ///
  /// - Complexity: O(n).
  public init<S: Sequence>(_ boxes: S) where S.Element == Box {
    var values: [Float] = []
    values.reserveCapacity(boxes.underestimatedCount * 4)
    for box in boxes { values += [box.x1, box.y1, box.x2, box.y2] }
    self.values = values
  }

  /// Creates `count` boxes by letting `body` fill uninitialised flat storage of
  /// `4 * count` floats; `body` must write every element.
  ///
  /// - Complexity: O(`count`) plus the cost of `body`.
  public init(
    unsafeUninitializedCount count: Int,
    initializingWith body: (inout UnsafeMutableBufferPointer<Float>) throws -> Void
  ) rethrows {
    precondition(count >= 0, "BoxArray count must be non-negative, got \(count)")
    values = try [Float](unsafeUninitializedCapacity: count * 4) { buffer, initialized in
      try body(&buffer)
      initialized = count * 4
    }
  }

  public var startIndex: Int { 0 }
  public var endIndex: Int { values.count / 4 }

  /// The box at `index`.
  ///
  /// - Complexity: O(1).
  public subscript(index: Int) -> Box {
    get {
      let base = index * 4
      return Box(x1: values[base], y1: values[base + 1], x2: values[base + 2], y2: values[base + 3])
    }
    set {
      let base = index * 4
      values[base] = newValue.x1
      values[base + 1] = newValue.y1
      values[base + 2] = newValue.x2
      values[base + 3] = newValue.y2
    }
  }

  /// Appends a box.
  ///
  /// - Complexity: amortised O(1).
  public mutating func append(_ box: Box) {
    values += [box.x1, box.y1, box.x2, box.y2]
  }

  /// Calls `body` with the flat `4 * count` storage.
  public func withUnsafeBufferPointer<R>(
    _ body: (UnsafeBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    try values.withUnsafeBufferPointer(body)
  }

  /// Calls `body` with the mutable flat `4 * count` storage.
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    try values.withUnsafeMutableBufferPointer(body)
  }
}
