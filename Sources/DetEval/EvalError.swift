/// What went wrong in an evaluation: detections that refer to images or categories the
/// ground truth does not have, or parameters that cannot describe an evaluation.
public struct EvalError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The kind of failure.
  public enum Code: Sendable, Hashable {
    /// Detections name image ids that are not among the ground truth's images
    /// (pycocotools: "Results do not correspond to current coco set").
    case unknownImages
    /// Detections name category ids that are not among the ground truth's categories.
    case unknownCategories
    /// A parameter is empty, out of range or not finite.
    case invalidParameters
  }

  public var code: Code
  /// The first few offending ids (at most ``sampleLimit``), in input order.
  public var ids: [Int64]
  /// How many distinct offending ids there are.
  public var distinctCount: Int
  /// How many detections carry an offending id.
  public var detectionCount: Int
  /// For `.invalidParameters`: which parameter and why.
  public var detail: String

  /// How many ids an error names at most.
  public static let sampleLimit = 5

  public init(
    code: Code, ids: [Int64] = [], distinctCount: Int = 0, detectionCount: Int = 0,
    detail: String = ""
  ) {
    self.code = code
    self.ids = ids
    self.distinctCount = distinctCount
    self.detectionCount = detectionCount
    self.detail = detail
  }

  public var description: String {
    let sample = ids.map(String.init).joined(separator: ", ")
    let more = distinctCount > ids.count ? ", ..." : ""
    switch code {
    case .unknownImages:
      return
        "\(detectionCount) detection(s) refer to \(distinctCount) image id(s) the ground truth "
        + "does not have: \(sample)\(more)"
    case .unknownCategories:
      return
        "\(detectionCount) detection(s) refer to \(distinctCount) category id(s) the ground truth "
        + "does not have: \(sample)\(more)"
    case .invalidParameters:
      return "invalid evaluation parameters: \(detail)"
    }
  }
}
