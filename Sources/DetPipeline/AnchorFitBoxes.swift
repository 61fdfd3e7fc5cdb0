import DetGeometry
import DetMatching

/// The ground truth an anchor search scores against: every image's non-crowd boxes,
/// resized onto its canvas, grouped by canvas size (so each candidate's grid is built once
/// per canvas).
///
/// Memory: 16 bytes per box plus a few words per image.
public struct AnchorFitBoxes: Sendable {
  /// One canvas size and the images on it (boxes xyxy in canvas pixels, in dataset order).
  public struct Group: Sendable {
    /// The padded canvas the anchors cover.
    public var canvas: ImageSize
    /// Per image on this canvas: its non-crowd boxes.
    public var images: [BoxArray]
  }

  /// The groups, in order of each canvas's first image.
  public private(set) var groups: [Group]

  /// Groups `images` (canvas, non-crowd boxes) by canvas, keeping their order within a
  /// canvas.
  /// - Complexity: O(images).
  public init<S: Sequence>(images: S) where S.Element == (ImageSize, BoxArray) {
    var index: [ImageSize: Int] = [:]
    groups = []
    for (canvas, boxes) in images {
      if let g = index[canvas] {
        groups[g].images.append(boxes)
      } else {
        index[canvas] = groups.count
        groups.append(Group(canvas: canvas, images: [boxes]))
      }
    }
  }

  /// Reads a stored dataset through `walker` (its resize; crowd boxes left out).
  ///
  /// - Throws: what ``DatasetWalker/forEachImage(_:)`` throws.
  /// - Complexity: one pass over the dataset.
  public init(walker: DatasetWalker) throws(PipelineError) {
    var images: [(ImageSize, BoxArray)] = []
    try walker.forEachImage { image throws(PipelineError) in
      images.append((image.canvas, image.boxes))
    }
    self.init(images: images)
  }

  /// Images over all canvases.
  public var imageCount: Int { groups.reduce(0) { $0 + $1.images.count } }

  /// Boxes over all images (degenerate ones included).
  public var boxCount: Int { groups.reduce(0) { $0 + $1.images.reduce(0) { $0 + $1.count } } }

  /// Every box's width and height in canvas pixels (degenerate boxes left out), in group
  /// then image order: what shape-only methods (k-means, YOLOv5's BPR) see.
  /// - Complexity: O(boxes).
  public var shapes: [(width: Double, height: Double)] {
    var out: [(width: Double, height: Double)] = []
    out.reserveCapacity(boxCount)
    for group in groups {
      for boxes in group.images {
        for b in boxes where b.x2 > b.x1 && b.y2 > b.y1 {
          out.append((Double(b.x2 - b.x1), Double(b.y2 - b.y1)))
        }
      }
    }
    return out
  }

  /// A seeded subsample of at most `count` images (each image kept whole), for a search's
  /// inner loop; the order of the kept images is preserved.
  ///
  /// Each image is kept with equal probability (a partial Fisher–Yates shuffle of image
  /// positions drawn from `SeededGenerator(seed:)`), so the primary share measured on the
  /// sample estimates the full set's with standard error about
  /// `sqrt(p (1 - p) / boxes in the sample)` when boxes are roughly independent.
  /// - Complexity: O(images).
  public func sample(images count: Int, seed: UInt64) -> AnchorFitBoxes {
    let total = imageCount
    guard count < total else { return self }
    var positions = Array(0..<total)
    var rng = SeededGenerator(seed: seed)
    for i in 0..<max(count, 0) {
      let j = i + Int(rng.next() % UInt64(total - i))
      positions.swapAt(i, j)
    }
    let kept = Set(positions.prefix(max(count, 0)))
    var flat: [(ImageSize, BoxArray)] = []
    var k = 0
    for group in groups {
      for boxes in group.images {
        if kept.contains(k) { flat.append((group.canvas, boxes)) }
        k += 1
      }
    }
    return AnchorFitBoxes(images: flat)
  }
}
