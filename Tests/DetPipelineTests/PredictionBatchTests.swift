import DetGeometry
import DetPipeline
import DetTensorIO
import Foundation
import Testing

/// Batch files that are not what they should be stop the run with an error naming the file,
/// the tensor or metadata key, what was found, what was expected and why.
@Suite struct PredictionBatchTests {
  /// The golden torchvision batch_001 (3 images on a 192 x 192 canvas, flat BF16 tensors),
  /// rewritten into `store`'s folder `bad/` with `edit` applied to its metadata and tensors.
  static func rewrite(
    _ store: BatchStore,
    edit: (inout [String: String], inout [(name: String, tensor: Tensor)]) throws -> Void
  ) throws -> String {
    let source = BatchGolden.root.appendingPathComponent("torchvision/batch_001.safetensors")
    let archive = try SafetensorsFile.read(contentsOf: source)
    var metadata = archive.metadata
    var tensors = archive.names.map { (name: $0, tensor: archive[$0]!) }
    try edit(&metadata, &tensors)
    let folder = store.path("bad")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try SafetensorsFile.write(
      tensors, metadata: metadata, to: folder.appendingPathComponent("batch_001.safetensors"))
    return folder.path
  }

  static func failure(_ store: BatchStore, folder: String) throws -> PipelineError {
    try #require(throws: PipelineError.self) {
      _ = try runGoldenBatches(.torchvision, folder: folder, store: store)
    }
  }

  @Test func aTensorOfTheWrongAnchorCountNamesFileTensorShapesAndWhy() throws {
    let store = try BatchStore()
    let folder = try Self.rewrite(store) { _, tensors in
      let t = tensors.first { $0.name == "cls_logits" }!.tensor
      let values = try t.asFloat32()
      tensors = tensors.map {
        $0.name == "cls_logits"
          ? (
            name: $0.name,
            tensor: Tensor(shape: [3, 6920, 3], float32: Array(values.prefix(3 * 6920 * 3)))
          )
          : $0
      }
    }
    let error = try Self.failure(store, folder: folder)
    #expect(error.code == .badArray)
    // 192 x 192: P3..P7 grids 24, 12, 6, 3, 2 (ceil(192 / 128)); (576 + 144 + 36 + 9 + 4) x 9.
    #expect(
      error.description
        == "\(folder)/batch_001.safetensors: tensor cls_logits has shape [3, 6920, 3], expected [3, 6921, 3] (3 images; N = 6921 anchors on canvas [192, 192]: levels [[24, 24], [12, 12], [6, 6], [3, 3], [2, 2]] x 9 anchors per cell; C = 3 classes)"
    )
  }

  @Test func missingImageIDsAreAnError() throws {
    let store = try BatchStore()
    let folder = try Self.rewrite(store) { metadata, _ in metadata["image_ids"] = nil }
    let error = try Self.failure(store, folder: folder)
    #expect(error.code == .badInput)
    #expect(error.location == "\(folder)/batch_001.safetensors")
    #expect(error.problem.hasPrefix("metadata image_ids is missing"))
  }

  @Test func aStatedCanvasThatDiffersFromThePaddingRuleIsAnError() throws {
    let store = try BatchStore()
    let folder = try Self.rewrite(store) { metadata, _ in metadata["canvas"] = "[192, 200]" }
    let error = try Self.failure(store, folder: folder)
    #expect(error.code == .badArray)
    #expect(
      error.problem
        == "metadata canvas [192, 200] differs from the batch canvas [192, 192]: the largest height and width of the image sizes [[128, 128], [112, 192], [192, 122]], each rounded up to a multiple of 32"
    )
  }

  @Test func anImageIDNotInTheDatasetIsNamed() throws {
    let store = try BatchStore()
    let folder = try Self.rewrite(store) { metadata, _ in metadata["image_ids"] = "[21, 99, 23]" }
    let error = try Self.failure(store, folder: folder)
    #expect(error.problem == "image_ids[1] = 99: no such image in dataset b")
  }

  @Test func metadataOfTheWrongTypeOrLengthIsAnError() throws {
    let store = try BatchStore()
    let flips = try Self.rewrite(store) { metadata, _ in metadata["flips"] = "[true]" }
    #expect(
      try Self.failure(store, folder: flips).problem
        == "metadata flips has 1 entries, expected 3 (one per image_ids entry)")
    let sizes = try Self.rewrite(store) { metadata, _ in metadata["image_sizes"] = "[[1, 2], 3]" }
    #expect(try Self.failure(store, folder: sizes).problem.hasPrefix("metadata image_sizes is"))
  }

  /// Image ids given as strings name the same stored images (the store canonicalises
  /// integer-like ids), and the losses are the same.
  @Test func stringImageIDsNameTheStoredImages() throws {
    let store = try BatchStore()
    let folder = try Self.rewrite(store) { metadata, _ in
      metadata["image_ids"] = "[\"21\", \"22\", \"23\"]"
    }
    let (batches, _) = try runGoldenBatches(.torchvision, folder: folder, store: store)
    let golden = try BatchGolden.load(.torchvision).batches[1]
    #expect(abs(batches[0].classification - golden.classification) <= 2e-5 * golden.classification)
  }

  /// A NaN in a BF16 batch stops the run naming the file, the tensor and the element's
  /// position in the whole tensor (image, anchor, class).
  @Test func aNaNInABatchIsLocatedInTheWholeTensor() throws {
    let store = try BatchStore()
    let folder = try Self.rewrite(store) { _, tensors in
      tensors = try tensors.map { entry in
        guard entry.name == "cls_logits" else { return entry }
        var v = try entry.tensor.asFloat32()
        v[(1 * 6921 + 100) * 3 + 2] = .nan
        return (name: entry.name, tensor: Tensor(shape: entry.tensor.shape, bfloat16: v))
      }
    }
    let error = try Self.failure(store, folder: folder)
    #expect(error.code == .nonFiniteInput)
    #expect(error.location == "\(folder)/batch_001.safetensors")
    #expect(error.nonFinite?.position == [1, 100, 2])
    #expect(
      error.problem.hasPrefix("tensor \"cls_logits\" [3, 6921, 3]: first non-finite value nan"))
  }
}
