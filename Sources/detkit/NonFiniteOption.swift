import ArgumentParser
import DetPipeline

/// `--non-finite`: what a NaN or an infinity in an input array does (error: stop, naming the
/// file, the array and the first such element, exit 1; propagate: compute anyway, NaN /
/// inf losses printed as null).
typealias NonFiniteOption = NonFinitePolicy

extension NonFinitePolicy: ExpressibleByArgument {
  /// The option's help, shared by every loss subcommand.
  static let help = ArgumentHelp(
    "What a NaN or infinity in an input does.",
    discussion: """
      error stops before computing, naming the file, the array and the flat index (row and \
      column) of the first NaN or infinity; exit status 1. propagate computes anyway: the \
      losses of the elements that read a NaN / inf become NaN or infinite, and so does every \
      sum over them (printed as null in JSON); gradients follow the formula in IEEE arithmetic \
      (smooth L1's slope at +inf is 1). The focal gradient at an infinite logit is NaN for \
      gamma > 0 (the product rule's 0 * inf), as torch's autograd gives, not the finite limit; \
      bce's (gamma 0) is the limit p - t (1 or 0 at +-inf), torch's too. Values the loss never \
      reads change nothing.
      """)

  /// The option's help for `iou`, `encode` and `decode`.
  static let boxHelp = ArgumentHelp(
    "What a NaN or infinity in an input does.",
    discussion: """
      error stops before computing, naming the file, the array and the flat index (box or \
      anchor, and coordinate) of the first NaN or infinity; exit status 1. propagate computes \
      anyway: the IoU entries, deltas or boxes computed from such a value follow IEEE \
      arithmetic (mostly NaN) and are written as they come.
      """)
}
