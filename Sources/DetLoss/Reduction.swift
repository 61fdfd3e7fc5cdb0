/// How per-element losses are combined into one number.
public enum Reduction: String, Sendable, CaseIterable {
  /// Keep the per-element values.
  case none
  /// Sum of the elements (accumulated in `Double`).
  case sum
  /// Sum divided by the element count; the mean of no elements is 0, as in torchvision.
  case mean
}
