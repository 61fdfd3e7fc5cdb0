import Foundation
import Testing

/// `detkit loss focal --non-finite propagate` with infinite logits on the 16-lane kernel
/// and the tail (C = 37): the gradient there is NaN, as torch's autograd gives and as
/// `--help` says, and finite everywhere else; `loss bce` (gamma 0) gives the finite limit
/// `p - t`.
@Test(arguments: ["focal", "bce"])
func infiniteLogitGradientIsWhatTheHelpSays(_ loss: String) throws {
  let dir = try NPYBytes.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let classes = 37
  var logits = (0..<2 * classes).map { Float($0 % 9) * 0.5 - 2 }
  // Row 0: +inf in the first group, -inf in the tail; row 1: -inf in the second group.
  let planted: [Int: Float] = [3: .infinity, 35: -.infinity, classes + 20: -.infinity]
  for (i, v) in planted { logits[i] = v }
  let logitsFile = dir.appendingPathComponent("logits.npy")
  let labelsFile = dir.appendingPathComponent("labels.npy")
  let gradFile = dir.appendingPathComponent("grad.npy")
  try NPYBytes.file(
    descr: "<f4", shape: [2, classes], bytes: logits.withUnsafeBytes { Data($0) }
  ).write(to: logitsFile)
  try NPYBytes.int64([-1, -1]).write(to: labelsFile)
  let r = try CLI.run([
    "loss", loss, "--logits", logitsFile.path, "--targets", labelsFile.path,
    "--non-finite", "propagate", "--grad", gradFile.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let gradient = try #require(Demo.readFloat32(try Data(contentsOf: gradFile)))
  try #require(gradient.count == logits.count)
  for i in logits.indices {
    if let x = planted[i] {
      // bce: p - t with t = 0 is 1 at +inf and 0 at -inf.
      if loss == "focal" {
        #expect(gradient[i].isNaN, "x \(x): \(gradient[i])")
      } else {
        #expect(gradient[i] == (x > 0 ? 1 : 0), "x \(x): \(gradient[i])")
      }
    } else {
      #expect(gradient[i].isFinite, "element \(i): \(gradient[i])")
    }
  }
  let help = try CLI.run(["loss", loss, "--help"])
  let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
  #expect(words.contains("focal gradient at an infinite logit is NaN"), "\(help.stdout)")
}
