import DetGeometry
import DetMatching
import DetSupport
import DetTensorIO
import Foundation

/// Per-image training targets of a stored dataset, written as tensors.
///
/// Per image, keyed by its original id: `matches` int64 `[N]`, `labels` int64 `[N]`,
/// `box_targets` float32 `[N, 4]` (see ``DetMatching/TrainingTargets``), on the anchors of
/// the image's canvas in detkit's order.
public struct DatasetTargets {
  /// The dataset.
  public var walker: DatasetWalker
  /// The anchors: a preset's or a configuration's (``DetGeometry/AnchorGenerator``), usually
  /// matched under the detector's matcher (``TargetAssignment/matcher``).
  public var generator: AnchorGenerator
  /// The matcher or assigner.
  public var assignment: TargetAssignment

  /// What a run wrote.
  public struct Summary: Sendable, Hashable {
    /// Images written.
    public var images: Int
    /// Positive anchors over all images.
    public var positives: Int
  }

  /// Creates a run.
  public init(walker: DatasetWalker, generator: AnchorGenerator, assignment: TargetAssignment) {
    self.walker = walker
    self.generator = generator
    self.assignment = assignment
  }

  /// Calls `body` with every image, its anchors and its targets, in import order.
  ///
  /// - Throws: what ``DatasetWalker/forEachImage(_:)``,
  ///   ``TargetAssignment/targets(of:grid:index:)`` or `body` throws.
  /// - Complexity: one image and at most ``GridCache/capacity`` grids in memory.
  public func forEachImage(
    _ body: (PipelineImage, AnchorGrid, TrainingTargets) throws(PipelineError) -> Void
  ) throws(PipelineError) {
    var cache = GridCache(generator)
    try walker.forEachImage { image throws(PipelineError) in
      let (grid, index) = try cache.grid(for: image)
      let targets = try assignment.targets(of: image, grid: grid, index: index)
      try body(image, grid, targets)
    }
  }

  /// Writes every image's targets to `output`: a `.safetensors` file (tensors
  /// `<image_id>/matches`, `/labels`, `/box_targets`, with `metadata`), or else a folder
  /// (created if needed) of `<image_id>.matches.npy`, `.labels.npy`, `.box_targets.npy`.
  /// A folder that does not exist yet is written as `<output>.tmp-<pid>-<random>` and
  /// renamed when complete (pending in `PendingOutputs` meanwhile), so a failed or
  /// interrupted run leaves no half folder; an existing folder is written in place, each
  /// file replaced atomically.
  ///
  /// The safetensors file holds every image's targets in memory until it is written (32
  /// bytes per anchor and image); a folder is written a window of images at a time (four
  /// per thread). Targets are computed on `threads` threads (`nil`: every core; 1:
  /// serially) and written in import order, so the output is the same for any value;
  /// `progress` hears of each image written.
  ///
  /// - Throws: ``PipelineError``: ``PipelineError/Code/unnamableImage`` for an image id that
  ///   cannot name a file (empty, a `/`, a leading `.`) when writing a folder,
  ///   ``PipelineError/Code/output`` when a file cannot be written, and what
  ///   ``forEachImage(_:)`` throws.
  public func write(
    to output: String, metadata: [String: String] = [:], threads: Int? = nil,
    progress: WorkProgressHandler? = nil
  ) throws(PipelineError) -> Summary {
    let toSafetensors = output.hasSuffix(".safetensors")
    var dir = URL(fileURLWithPath: output)
    var temporaryFolder: String?
    defer {
      if let temporaryFolder {
        // Still set: the run failed before the rename.
        try? FileManager.default.removeItem(atPath: temporaryFolder)
        PendingOutputs.forget(temporaryFolder)
      }
    }
    if !toSafetensors {
      PendingOutputs.removeStale(near: dir.path)
      if !FileManager.default.fileExists(atPath: dir.path) {
        let name = PendingOutputs.temporaryName(for: dir.path)
        PendingOutputs.add(name)
        temporaryFolder = name
        dir = URL(fileURLWithPath: name)
      }
      do {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      } catch {
        throw PipelineError.wrapping(error, .output)
      }
    }
    var tensors: [(name: String, tensor: Tensor)] = []
    var summary = Summary(images: 0, positives: 0)
    var cache = GridCache(generator)
    let total = try? walker.store.dataset(named: walker.name).images
    // Targets are computed on `threads` threads and written in import order.
    do {
      try orderedParallelMap(
        window: parallelWindow(threads: threads), maxConcurrency: threads,
        produce: { yield in
          try walker.forEachImage { image throws(PipelineError) in
            let key = image.record.id.description
            if !toSafetensors, key.contains("/") || key.isEmpty || key.hasPrefix(".") {
              throw PipelineError(
                .unnamableImage, at: "",
                "image id \"\(key)\" cannot name a file; write a .safetensors file instead")
            }
            let (grid, index) = try cache.grid(for: image)
            do { try yield((key, image, grid, index)) } catch let error as PipelineError {
              throw error
            } catch {
              throw PipelineError.wrapping(error, .output)
            }
          }
        },
        transform: { key, image, grid, index in
          let t = try assignment.targets(of: image, grid: grid, index: index)
          let n = grid.count
          let parts: [(String, Tensor)] = [
            ("matches", Tensor(shape: [n], int64: t.matches.map(Int64.init))),
            ("labels", Tensor(shape: [n], int64: t.labels.map(Int64.init))),
            ("box_targets", Tensor(shape: [n, 4], float32: t.boxTargets)),
          ]
          return (key, parts, t.statistics.positives)
        },
        consume: { key, parts, positives in
          for (suffix, tensor) in parts {
            if toSafetensors {
              tensors.append((name: "\(key)/\(suffix)", tensor: tensor))
            } else {
              do {
                try NPYFile.write(tensor, to: dir.appendingPathComponent("\(key).\(suffix).npy"))
              } catch {
                throw PipelineError.wrapping(error, .output)
              }
            }
          }
          summary.images += 1
          summary.positives += positives
          progress?(WorkProgress(done: summary.images, total: total, unit: .images))
        })
    } catch let error as PipelineError {
      throw error
    } catch {
      throw PipelineError.wrapping(error, .output)
    }
    if toSafetensors {
      do {
        try SafetensorsFile.write(tensors, metadata: metadata, to: dir)
      } catch {
        throw PipelineError.wrapping(error, .output)
      }
    }
    if let folder = temporaryFolder {
      guard PendingOutputs.rename(folder, to: output) == 0 else {
        throw PipelineError(
          .output, at: output,
          "cannot rename \(folder) to \(output): \(String(cString: strerror(errno)))")
      }
      temporaryFolder = nil
    }
    return summary
  }
}
