/// A named range of object areas (pixels squared), inclusive at both ends: an object is
/// inside when `lower <= area <= upper` (pycocotools tests `area < lower or area > upper`).
public struct AreaRange: Hashable, Sendable {
  /// The label the summary looks for: `all`, `small`, `medium`, `large`.
  public var label: String
  public var lower: Double
  public var upper: Double

  public init(label: String, lower: Double, upper: Double) {
    self.label = label
    self.lower = lower
    self.upper = upper
  }

  /// COCO's four ranges: all `[0, 1e10]`, small `[0, 32²]`, medium `[32², 96²]`,
  /// large `[96², 1e10]` (pycocotools writes `1e5 ** 2`).
  public static let coco: [AreaRange] = [
    AreaRange(label: "all", lower: 0, upper: 1e10),
    AreaRange(label: "small", lower: 0, upper: 32 * 32),
    AreaRange(label: "medium", lower: 32 * 32, upper: 96 * 96),
    AreaRange(label: "large", lower: 96 * 96, upper: 1e10),
  ]
}
