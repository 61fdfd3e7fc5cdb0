import DetGeometry
import DetMatching
import DetTensorIO
import Foundation

/// Deterministic head outputs for demos and tests: logits uniform in [-6.5, -3.5) (around
/// the -4.6 prior bias of a fresh RetinaNet head), deltas uniform in [-0.3, 0.3), from
/// `SeededGenerator(seed:)` (SplitMix64), 24-bit uniform floats (logits first, then deltas).
///
/// - Returns: `anchors x classes` logits and `anchors x 4` deltas, row-major.
/// - Complexity: O(anchors x (classes + 4)).
public func syntheticPredictions(anchors n: Int, classes: Int, seed: UInt64) -> (
  logits: [Float], deltas: [Float]
) {
  var g = SeededGenerator(seed: seed)
  func uniform() -> Float { Float(g.next() >> 40) / Float(1 << 24) }
  let logits = (0..<(n * classes)).map { _ in -6.5 + 3 * uniform() }
  let deltas = (0..<(n * 4)).map { _ in -0.3 + 0.6 * uniform() }
  return (logits, deltas)
}

extension DatasetWalker {
  /// Writes ``syntheticPredictions(anchors:classes:seed:)`` for every image of the dataset
  /// as a RetinaNet head's (`generator`'s anchors on each image's canvas, one class per
  /// category) into `folder` (created if needed): `<image_id>.cls.npy` `[N, C]` and
  /// `<image_id>.box.npy` `[N, 4]`, the k-th image (import order) seeded by k.
  ///
  /// Canvases follow ``resize`` (the stored size for ``InputResize/none``).
  ///
  /// - Throws: ``PipelineError`` (``PipelineError/Code/output``) when a file cannot be
  ///   written; store errors as ``PipelineError/Code/badInput``.
  public func writeSyntheticPredictions(generator: AnchorGenerator, to folder: URL)
    throws(PipelineError)
  {
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      throw PipelineError.wrapping(error, .output)
    }
    let classes = categoryNames.count
    var k: UInt64 = 0
    do {
      try store.forEachImage(in: name) { record in
        let size = ImageSize(height: record.height, width: record.width)
        let canvas = resize.policy?.canvasSize(of: size) ?? size
        let n = generator.anchorCount(for: canvas) ?? 0
        let (logits, deltas) = syntheticPredictions(anchors: n, classes: classes, seed: k)
        let key = record.id.description
        try NPYFile.write(
          Tensor(shape: [n, classes], float32: logits),
          to: folder.appendingPathComponent("\(key).cls.npy"))
        try NPYFile.write(
          Tensor(shape: [n, 4], float32: deltas),
          to: folder.appendingPathComponent("\(key).box.npy"))
        k += 1
      }
    } catch {
      throw PipelineError.wrapping(error, .output)
    }
  }
}
