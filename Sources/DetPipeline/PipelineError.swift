import Foundation

/// A failure of a dataset pipeline run: which input, image, batch or file (``location``) and
/// what was wrong (``problem``).
///
/// Every `DetPipeline` entry point throws this one type; the errors of the libraries it
/// calls (store, tensor files, matcher, criteria) reach the caller inside it, with the
/// pipeline's context (image id and file name, batch and its images, prediction file) in
/// front of their own message.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
  /// What kind of failure.
  public enum Code: String, Sendable, Hashable, CaseIterable {
    /// An annotation refers to a category its dataset does not hold.
    case unknownCategory
    /// A stored image size that a resize policy cannot map (zero width or height).
    case unresizableImage
    /// A canvas that needs more anchors than `AnchorGenerator.maximumAnchorCount`.
    case anchorLimit
    /// The matcher or assigner rejected an image's ground truth.
    case assignmentFailed
    /// An image id that cannot name a file in an output folder.
    case unnamableImage
    /// A prediction file, folder or tensor that does not exist.
    case missingPredictions
    /// A tensor or array of the wrong shape or element type.
    case badArray
    /// A NaN or infinity in an input array under ``NonFinitePolicy/error``; see
    /// ``PipelineError/nonFinite``.
    case nonFiniteInput
    /// A loss criterion failed on a batch.
    case batchFailed
    /// An input file that is not what it should be (a report, a store, a tensor file).
    case badInput
    /// An output that cannot be written.
    case output
  }

  /// What kind of failure.
  public var code: Code
  /// Where: a file as the user named it, `image 100 (a.jpg)`, `batch 2 (images 7, 9)`, or
  /// empty when the problem says it all.
  public var location: String
  /// What was wrong.
  public var problem: String
  /// For ``Code/nonFiniteInput``: the element found.
  public var nonFinite: NonFiniteElement?
  /// The library error behind this one (a store, tensor file, matcher or criterion error),
  /// when there is one; its description is ``problem``.
  public var underlying: (any Error)?

  /// Creates an error.
  public init(
    _ code: Code, at location: String, _ problem: String, nonFinite: NonFiniteElement? = nil
  ) {
    self.code = code
    self.location = location
    self.problem = problem
    self.nonFinite = nonFinite
  }

  /// `error` with the pipeline's context: a ``PipelineError`` as it is, any other error as
  /// a ``PipelineError`` of `code` at `location` whose ``problem`` is the error's
  /// description and whose ``underlying`` is the error.
  ///
  /// The description is the one a command-line tool shows for the error itself: a
  /// `LocalizedError`'s `errorDescription`, an `NSError`'s `localizedDescription`, else
  /// `String(describing:)`.
  public static func wrapping(_ error: any Error, _ code: Code, at location: String = "")
    -> PipelineError
  {
    if let error = error as? PipelineError { return error }
    let text: String
    if let description = (error as? any LocalizedError)?.errorDescription {
      text = description
    } else if type(of: error) is NSError.Type {
      text = error.localizedDescription
    } else {
      text = String(describing: error)
    }
    var wrapped = PipelineError(code, at: location, text)
    wrapped.underlying = error
    return wrapped
  }

  /// `location: problem`, or the problem alone.
  public var description: String { location.isEmpty ? problem : "\(location): \(problem)" }
}
