import DetGeometry
import DetStore
import DetTensorIO
import Foundation

/// One batch of a detection head's outputs as a model emits them: a safetensors file whose
/// metadata names the batch's images and whose tensors hold the head outputs of all of them.
///
/// Metadata (safetensors metadata is string to string; each value is JSON text):
/// - `image_ids`: `[id, ...]`, the images in batch order, numbers or strings as the store
///   keeps them (a string of a canonical integer names that integer id) — required;
/// - `image_sizes`: `[[h, w], ...]`, the resized size the model saw for each image
///   (overrides the framework's resize, for multi-scale training) — optional;
/// - `flips`: `[true, false, ...]`, horizontal flips — optional (none flipped);
/// - `canvas`: `[H, W]`, the padded batch size — optional, checked against the layout.
///
/// Tensors, `B` images, `N` anchors, `C` classes, `A` anchors per cell:
/// - flat, as torchvision's head returns them: `cls_logits` `[B, N, C]` and
///   `bbox_regression` `[B, N, 4]`, anchors in detkit's order (level, row, column, type);
/// - per level, as detectron2's and mmdetection's heads emit them: `cls_logits.0` ...
///   `cls_logits.{L-1}` `[B, A * C, H_l, W_l]` and `bbox_regression.l` `[B, A * 4, H_l, W_l]`,
///   channel `a * C + c` for anchor type `a` and class `c`.
///
/// F32, F16 and BF16 are read (converted to float32). The file stays memory-mapped; the
/// converted outputs of one batch are what a run holds.
public struct PredictionBatch {
  /// The tensor forms a batch can hold.
  public enum Form: Sendable, Hashable {
    /// `cls_logits` `[B, N, C]`, `bbox_regression` `[B, N, 4]`.
    case flat
    /// `cls_logits.l` `[B, A * C, H_l, W_l]`, `bbox_regression.l` `[B, A * 4, H_l, W_l]`,
    /// for this many levels.
    case levels(Int)
  }

  /// The file, as the user named it (folder joined with the file name).
  public let file: String
  /// The images, in batch order.
  public let imageIDs: [RecordID]
  /// Per image, the resized size the model saw, when the metadata states it.
  public let imageSizes: [ImageSize]?
  /// Per image, whether it was flipped horizontally (all false when not stated).
  public let flips: [Bool]
  /// The padded canvas, when the metadata states it.
  public let canvas: ImageSize?
  /// Which tensors the file holds.
  public let form: Form
  private let archive: SafetensorsArchive

  /// The metadata's JSON values, typed.
  private enum JSONID: Decodable {
    case int(Int64)
    case text(String)
    init(from decoder: any Decoder) throws {
      let c = try decoder.singleValueContainer()
      if let v = try? c.decode(Int64.self) {
        self = .int(v)
      } else {
        self = .text(try c.decode(String.self))
      }
    }
  }

  /// Opens and checks the metadata of the batch file at `file`.
  ///
  /// - Throws: ``PipelineError``: ``PipelineError/Code/badInput`` for a file that is not a
  ///   safetensors file, metadata that is missing `image_ids` or is not the JSON described
  ///   above (naming the key), lists whose lengths differ from `image_ids`;
  ///   ``PipelineError/Code/missingPredictions`` when neither tensor form is present.
  public init(file: String) throws(PipelineError) {
    self.file = file
    do {
      archive = try SafetensorsFile.read(contentsOf: URL(fileURLWithPath: file))
    } catch {
      throw PipelineError.wrapping(error, .badInput, at: file)
    }
    let metadata = archive.metadata
    func decode<T: Decodable>(_ key: String, as: T.Type, expected: String) throws(PipelineError)
      -> T?
    {
      guard let text = metadata[key] else { return nil }
      do {
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
      } catch {
        throw PipelineError(
          .badInput, at: file, "metadata \(key) is \(text.debugDescription), expected \(expected)")
      }
    }
    guard
      let ids = try decode(
        "image_ids", as: [JSONID].self, expected: "a JSON list of image ids (numbers or strings)")
    else {
      throw PipelineError(
        .badInput, at: file,
        "metadata image_ids is missing: a batch file names its images in batch order, e.g. image_ids = \"[139, 285]\""
      )
    }
    guard !ids.isEmpty else {
      throw PipelineError(.badInput, at: file, "metadata image_ids is empty")
    }
    imageIDs = ids.map {
      switch $0 {
      case .int(let v): .int(v)
      case .text(let t): RecordID(canonicalizing: t)
      }
    }
    let b = ids.count
    if let sizes = try decode(
      "image_sizes", as: [[Int]].self, expected: "a JSON list of [height, width] pairs")
    {
      guard sizes.count == b else {
        throw PipelineError(
          .badInput, at: file,
          "metadata image_sizes has \(sizes.count) entries, expected \(b) (one per image_ids entry)"
        )
      }
      var parsed: [ImageSize] = []
      for (i, s) in sizes.enumerated() {
        guard s.count == 2, s[0] > 0, s[1] > 0 else {
          throw PipelineError(
            .badInput, at: file,
            "metadata image_sizes[\(i)] is \(s), expected [height, width] with both positive")
        }
        parsed.append(ImageSize(height: s[0], width: s[1]))
      }
      imageSizes = parsed
    } else {
      imageSizes = nil
    }
    if let f = try decode("flips", as: [Bool].self, expected: "a JSON list of true / false") {
      guard f.count == b else {
        throw PipelineError(
          .badInput, at: file,
          "metadata flips has \(f.count) entries, expected \(b) (one per image_ids entry)")
      }
      flips = f
    } else {
      flips = [Bool](repeating: false, count: b)
    }
    if let c = try decode("canvas", as: [Int].self, expected: "[height, width]") {
      guard c.count == 2, c[0] > 0, c[1] > 0 else {
        throw PipelineError(
          .badInput, at: file, "metadata canvas is \(c), expected [height, width], both positive")
      }
      canvas = ImageSize(height: c[0], width: c[1])
    } else {
      canvas = nil
    }
    if archive["cls_logits"] != nil || archive["bbox_regression"] != nil {
      form = .flat
    } else if archive["cls_logits.0"] != nil || archive["bbox_regression.0"] != nil {
      var levels = 0
      while archive["cls_logits.\(levels)"] != nil || archive["bbox_regression.\(levels)"] != nil {
        levels += 1
      }
      form = .levels(levels)
    } else {
      throw PipelineError(
        .missingPredictions, at: file,
        "no head outputs: expected tensors cls_logits [B, N, C] and bbox_regression [B, N, 4], or per level cls_logits.0 ... and bbox_regression.0 ... [B, A*C, H, W] (tensors found: \(archive.names.joined(separator: ", ")))"
      )
    }
  }

  /// The batch size `B`.
  public var count: Int { imageIDs.count }

  /// Checks the stated canvas against `layout`.
  ///
  /// - Throws: ``PipelineError/Code/badArray`` naming both canvases and the rule.
  public func check(canvasOf layout: BatchLayout, divisor: Int) throws(PipelineError) {
    guard let canvas, canvas != layout.canvas else { return }
    let sizes = layout.imageSizes.map { "[\($0.height), \($0.width)]" }.joined(separator: ", ")
    throw PipelineError(
      .badArray, at: file,
      "metadata canvas [\(canvas.height), \(canvas.width)] differs from the batch canvas [\(layout.canvas.height), \(layout.canvas.width)]: the largest height and width of the image sizes [\(sizes)], each rounded up to a multiple of \(divisor)"
    )
  }

  /// Every image's classification logits `N x C` and box deltas `N x 4`, row-major in
  /// detkit's anchor order, shapes and element types checked against `layout`.
  ///
  /// - Parameters:
  ///   - layout: the batch's canvas, levels and anchors per cell.
  ///   - classes: `C`.
  ///   - nonFinite: what a NaN or infinity does.
  /// - Throws: ``PipelineError``: ``PipelineError/Code/missingPredictions`` for a missing
  ///   tensor, ``PipelineError/Code/badArray`` naming the file, the tensor, the shape found
  ///   and expected and why (images, canvas, levels, anchors per cell, classes),
  ///   ``PipelineError/Code/nonFiniteInput`` under ``NonFinitePolicy/error``.
  /// - Complexity: O(B x N x (C + 4)).
  public func headOutputs(layout: BatchLayout, classes: Int, nonFinite: NonFinitePolicy)
    throws(PipelineError) -> [(logits: [Float], deltas: [Float])]
  {
    let b = count
    let n = layout.anchorCount
    let why =
      "\(b) images; N = \(n) anchors on canvas [\(layout.canvas.height), \(layout.canvas.width)]: levels \(layout.levelShapes) x \(layout.anchorsPerCellText) anchors per cell"
    switch form {
    case .flat:
      let cls = try tensor(
        "cls_logits", shape: [b, n, classes], why: "\(why); C = \(classes) classes")
      let box = try tensor("bbox_regression", shape: [b, n, 4], why: why)
      // Image by image, straight from the mapping: one float32 copy of the batch, not two.
      var out: [(logits: [Float], deltas: [Float])] = []
      for i in 0..<b {
        out.append(
          (
            try values(
              cls, "cls_logits", rows: i * n * classes, count: n * classes,
              axes: ["image", "anchor", "class"], nonFinite),
            try values(
              box, "bbox_regression", rows: i * n * 4, count: n * 4,
              axes: ["image", "anchor", "coordinate"], nonFinite)
          ))
      }
      return out
    case .levels(let found):
      guard found == layout.levels.count else {
        throw PipelineError(
          .badArray, at: file,
          "holds \(found) levels (cls_logits.0 ... cls_logits.\(found - 1)), expected \(layout.levels.count): levels \(layout.levels.map(\.name).joined(separator: ", ")) of \(layout.levelShapes) on canvas [\(layout.canvas.height), \(layout.canvas.width)]"
        )
      }
      var logits = [[Float]](repeating: [Float](repeating: 0, count: n * classes), count: b)
      var deltas = [[Float]](repeating: [Float](repeating: 0, count: n * 4), count: b)
      var start = 0
      for (l, level) in layout.levels.enumerated() {
        let (h, w, a) = (level.rows, level.columns, level.anchorsPerCell)
        let levelWhy =
          "\(b) images; level \(l) (\(level.name), stride \(level.stride)) is [\(h), \(w)] on canvas [\(layout.canvas.height), \(layout.canvas.width)]; \(a) anchors per cell"
        for (name, k) in [("cls_logits.\(l)", classes), ("bbox_regression.\(l)", 4)] {
          let t = try tensor(
            name, shape: [b, a * k, h, w],
            why: k == 4 ? "\(levelWhy) x 4 coordinates" : "\(levelWhy) x C = \(classes) classes")
          let v = try values(t, name, axes: ["image", "channel", "row", "column"], nonFinite)
          v.withUnsafeBufferPointer { src in
            for i in 0..<b {
              let plane = h * w
              if k == 4 {
                deltas[i].withUnsafeMutableBufferPointer { dst in
                  scatter(src, image: i, into: dst, start: start, a: a, k: k, plane: plane)
                }
              } else {
                logits[i].withUnsafeMutableBufferPointer { dst in
                  scatter(src, image: i, into: dst, start: start, a: a, k: k, plane: plane)
                }
              }
            }
          }
        }
        start += h * w * a
      }
      return (0..<b).map { (logits[$0], deltas[$0]) }
    }
  }

  /// NCHW `[B, A * K, H, W]` of image `i` into rows `start + cell * A + a`, column `c`.
  private func scatter(
    _ src: UnsafeBufferPointer<Float>, image i: Int, into dst: UnsafeMutableBufferPointer<Float>,
    start: Int, a: Int, k: Int, plane: Int
  ) {
    let base = i * a * k * plane
    for t in 0..<a {
      for c in 0..<k {
        let channel = base + (t * k + c) * plane
        var row = (start + t) * k + c
        for cell in 0..<plane {
          dst[row] = src[channel + cell]
          row += a * k
        }
      }
    }
  }

  /// The tensor `name`, its shape and element type checked.
  private func tensor(_ name: String, shape: [Int], why: String) throws(PipelineError) -> Tensor {
    guard let t = archive[name] else {
      throw PipelineError(
        .missingPredictions, at: file,
        "no tensor \(name) (tensors found: \(archive.names.joined(separator: ", ")))")
    }
    guard t.shape == shape else {
      throw PipelineError(
        .badArray, at: file,
        "tensor \(name) has shape \(t.shape), expected \(shape) (\(why))")
    }
    guard [.float32, .float16, .bfloat16].contains(t.dtype) else {
      throw PipelineError(
        .badArray, at: file,
        "tensor \(name) has dtype \(t.dtype.rawValue), expected F32, F16 or BF16")
    }
    return t
  }

  /// Elements `start ..< start + count` of `t` (F32, F16 or BF16) as float32, checked per
  /// `nonFinite` (an error names the element's index in the whole tensor).
  private func values(
    _ t: Tensor, _ name: String, rows start: Int, count: Int, axes: [String],
    _ nonFinite: NonFinitePolicy
  ) throws(PipelineError) -> [Float] {
    let dtype = t.dtype
    let v = t.withUnsafeBytes { raw -> [Float] in
      [Float](unsafeUninitializedCapacity: count) { out, initialized in
        switch dtype {
        case .float16, .bfloat16:
          let half = dtype == .float16
          for k in 0..<count {
            let bits = UInt16(
              littleEndian: raw.loadUnaligned(fromByteOffset: 2 * (start + k), as: UInt16.self))
            out[k] =
              half ? HalfFloat.float(fromFloat16: bits) : HalfFloat.float(fromBFloat16: bits)
          }
        default:
          for k in 0..<count {
            out[k] = Float(
              bitPattern: UInt32(
                littleEndian: raw.loadUnaligned(
                  fromByteOffset: 4 * (start + k), as: UInt32.self)))
          }
        }
        initialized = count
      }
    }
    if nonFinite == .error, let k = firstNonFinite(v) {
      let element = NonFiniteElement(
        array: "tensor \"\(name)\"", shape: t.shape, index: start + k, value: v[k],
        original: nil, axes: axes)
      throw PipelineError(.nonFiniteInput, at: file, element.description, nonFinite: element)
    }
    return v
  }

  /// `t` as float32, checked per `nonFinite`.
  private func values(
    _ t: Tensor, _ name: String, axes: [String], _ nonFinite: NonFinitePolicy
  ) throws(PipelineError) -> [Float] {
    let v: [Float]
    do {
      v = try t.asFloat32()
    } catch {
      throw PipelineError.wrapping(error, .badInput, at: file)
    }
    try nonFinite.check(v, of: t, file: file, array: "tensor \"\(name)\"", axes: axes)
    return v
  }
}
