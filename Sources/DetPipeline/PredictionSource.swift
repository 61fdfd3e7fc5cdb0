import DetTensorIO
import Foundation

/// Where a detection head's predictions come from, as frameworks write them.
///
/// Per batch (``PredictionBatch``): a safetensors file whose metadata holds `image_ids`, or
/// a folder of such `.safetensors` files, read in file-name order. Per image: one
/// memory-mapped safetensors archive (`<image_id>/cls_logits` `[N, C]`,
/// `<image_id>/bbox_deltas` `[N, 4]`) or a folder of NPY files (`<image_id>.cls.npy`,
/// `<image_id>.box.npy`). F32, F16 and BF16 are read (converted to float32).
public struct PredictionSource {
  /// The archive or folder, as the user named it.
  public let path: String
  /// The per-image archive, or nil for a folder or batch files.
  public let archive: SafetensorsArchive?
  /// The batch files in reading order (file-name order in a folder), as paths joined to
  /// ``path``; empty for the per-image forms.
  public let batchFiles: [String]

  /// Whether the predictions come in batch files.
  public var isBatched: Bool { !batchFiles.isEmpty }

  /// Opens `path`: a folder, or else a safetensors file (its header is parsed, the tensor
  /// data stays mapped).
  ///
  /// - Throws: ``PipelineError``: ``PipelineError/Code/missingPredictions`` when nothing
  ///   is at `path`, ``PipelineError/Code/badInput`` wrapping the reader's error for a
  ///   malformed archive.
  public init(path: String) throws(PipelineError) {
    self.path = path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw PipelineError(
        .missingPredictions, at: "--predictions \(path)", "no such file or folder")
    }
    if isDirectory.boolValue {
      archive = nil
      let names: [String]
      do {
        names = try FileManager.default.contentsOfDirectory(atPath: path)
      } catch {
        throw PipelineError.wrapping(error, .badInput, at: path)
      }
      let join = path.hasSuffix("/") ? path : path + "/"
      batchFiles = names.filter { $0.hasSuffix(".safetensors") }.sorted().map { join + $0 }
      return
    }
    let opened: SafetensorsArchive
    do {
      opened = try SafetensorsFile.read(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw PipelineError.wrapping(error, .badInput)
    }
    if opened.metadata["image_ids"] != nil {
      (archive, batchFiles) = (nil, [path])
    } else {
      (archive, batchFiles) = (opened, [])
    }
  }

  /// The image's logits `[N, C]` (or `[N]` when `C` is 1) and deltas `[N, 4]` as float32,
  /// shapes and element types checked, values checked per `nonFinite`.
  ///
  /// - Parameters:
  ///   - key: the image's original id as text.
  ///   - n: the anchor count of the image's canvas.
  ///   - c: the class count (1 for objectness).
  ///   - nonFinite: what a NaN or infinity does.
  /// - Throws: ``PipelineError``: ``PipelineError/Code/missingPredictions`` for a missing
  ///   tensor or file, ``PipelineError/Code/badArray`` for a wrong shape or element type,
  ///   ``PipelineError/Code/nonFiniteInput`` under ``NonFinitePolicy/error``,
  ///   ``PipelineError/Code/badInput`` wrapping a tensor reader's error.
  /// - Complexity: O(N x (C + 4)) for the conversion and the scan.
  public func tensors(
    for key: String, anchors n: Int, classes c: Int, nonFinite: NonFinitePolicy
  ) throws(PipelineError) -> (logits: [Float], deltas: [Float]) {
    let (cls, box): (Tensor, Tensor)
    let (clsName, boxName): (String, String)
    if let archive {
      (clsName, boxName) = ("\(key)/cls_logits", "\(key)/bbox_deltas")
      guard let a = archive[clsName], let b = archive[boxName] else {
        throw PipelineError(
          .missingPredictions, at: path,
          "no tensor \(archive[clsName] == nil ? clsName : boxName) for image \(key)")
      }
      (cls, box) = (a, b)
    } else {
      let dir = URL(fileURLWithPath: path)
      (clsName, boxName) = ("\(key).cls.npy", "\(key).box.npy")
      for f in [clsName, boxName]
      where !FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path) {
        throw PipelineError(.missingPredictions, at: path, "no file \(f) for image \(key)")
      }
      do {
        cls = try NPYFile.read(contentsOf: dir.appendingPathComponent(clsName))
        box = try NPYFile.read(contentsOf: dir.appendingPathComponent(boxName))
      } catch {
        throw PipelineError.wrapping(error, .badInput)
      }
    }
    let clsOK = cls.shape == [n, c] || (c == 1 && cls.shape == [n])
    guard clsOK else {
      throw PipelineError(
        .badArray, at: path,
        "\(clsName) has shape \(cls.shape), expected [\(n), \(c)] (anchors, classes) for image \(key)"
      )
    }
    guard box.shape == [n, 4] else {
      throw PipelineError(
        .badArray, at: path,
        "\(boxName) has shape \(box.shape), expected [\(n), 4] (anchors) for image \(key)")
    }
    for (t, name) in [(cls, clsName), (box, boxName)]
    where ![.float32, .float16, .bfloat16].contains(t.dtype) {
      throw PipelineError(
        .badArray, at: path, "\(name) has dtype \(t.dtype.rawValue), expected F32, F16 or BF16")
    }
    let (logits, deltas): ([Float], [Float])
    do {
      (logits, deltas) = (try cls.asFloat32(), try box.asFloat32())
    } catch {
      throw PipelineError.wrapping(error, .badInput)
    }
    // A safetensors archive is one file holding named tensors; a folder holds one file each.
    let (clsFile, clsArray, boxFile, boxArray) =
      archive != nil
      ? (path, "tensor \"\(clsName)\"", path, "tensor \"\(boxName)\"")
      : (
        folderFile(clsName), "cls_logits of image \(key)",
        folderFile(boxName), "bbox_deltas of image \(key)"
      )
    let clsAxes = cls.shape.count == 2 ? ["anchor", "class"] : ["anchor"]
    try nonFinite.check(logits, of: cls, file: clsFile, array: clsArray, axes: clsAxes)
    try nonFinite.check(
      deltas, of: box, file: boxFile, array: boxArray, axes: ["anchor", "coordinate"])
    return (logits, deltas)
  }

  /// `name` inside the predictions folder, joined to the folder as the user wrote it.
  private func folderFile(_ name: String) -> String {
    path.hasSuffix("/") ? path + name : path + "/" + name
  }
}
