import ArgumentParser
import DetGeometry
import Foundation

extension IoUKind: ExpressibleByArgument {}

/// `detkit iou`: the pairwise IoU-family matrix of two box files.
struct IoUCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "iou",
    abstract: "Pairwise IoU, GIoU, DIoU or CIoU between two [N, 4] box files.",
    discussion: """
      Reads xyxy boxes from two NPY files, A of shape [N, 4] and B of shape [M, 4] (any \
      float or integer dtype), and writes the float32 matrix [N, M]: entry (i, j) compares \
      A[i] with B[j]. The arithmetic is torchvision's box_iou / generalized_box_iou / \
      distance_box_iou / complete_box_iou in float32 (bit for bit for iou, giou, diou); \
      where torchvision returns NaN (two zero-area boxes) detkit writes 0. DIoU and CIoU \
      use eps = 1e-7.

      Examples:
        detkit iou gt.npy anchors.npy --output iou.npy
        detkit iou a.npy b.npy --kind giou > giou.npy
      """)

  @Argument(help: "First box file, NPY [N, 4] (rows of the result).")
  var a: String

  @Argument(help: "Second box file, NPY [M, 4] (columns of the result).")
  var b: String

  @Option(help: "Measure: \(IoUKind.allCases.map(\.rawValue).joined(separator: ", ")).")
  var kind: IoUKind = .iou

  @Option(help: "Output NPY file, or - for stdout.")
  var output: String = "-"

  @Option(help: NonFiniteOption.boxHelp)
  var nonFinite: NonFiniteOption = .error

  func run() throws {
    let first = try BoxFiles.readBoxes(a, option: "A", nonFinite: nonFinite)
    let second = try BoxFiles.readBoxes(b, option: "B", nonFinite: nonFinite)
    let matrix = pairwiseIoU(first, second, kind: kind)
    try BoxFiles.write(matrix, shape: [first.count, second.count], to: output)
  }
}
