/// Why a record is invalid. Under `ValidationPolicy.skip` the import report counts skipped
/// records by reason; under `.strict` the first one aborts the import with this reason.
public enum SkipReason: String, Sendable, CaseIterable, Comparable, CustomStringConvertible {
  /// The record is not of the expected shape (a missing required field, a wrong type).
  case malformed = "malformed"
  /// An annotation or detection refers to an image id that the dataset does not have.
  case unknownImage = "unknown-image"
  /// An annotation or detection refers to a category id that the dataset does not have.
  case unknownCategory = "unknown-category"
  /// A second record of the same kind with the same original id.
  case duplicateID = "duplicate-id"
  /// A coordinate, size, area or score is NaN or infinite.
  case nonFinite = "non-finite"
  /// A box width or height (or an image width or height) is zero or negative.
  case nonPositiveSize = "non-positive-size"
  /// An image width or height is above ``ImageRecord/maximumSide`` (100,000 px).
  case oversizedImage = "oversized-image"
  /// A box extends beyond its image by more than the tolerance (or, with clipping, nothing
  /// of it is left inside the image).
  case outsideImage = "outside-image"
  /// A detection without a `bbox` (e.g. a segmentation-only COCO results file).
  case missingBox = "missing-box"

  public var description: String { rawValue }

  public static func < (lhs: SkipReason, rhs: SkipReason) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }
}
