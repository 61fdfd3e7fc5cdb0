import DetSupport

extension AnchorGenerator {
  /// Generates every anchor of every level on `image` (an image or a padded batch canvas).
  ///
  /// Level `l` has a `ceil(H / stride) x ceil(W / stride)` grid; the anchor of type `k` at
  /// row `y`, column `x` is the peer's `origin[k] + (sx[x], sy[y], sx[x], sy[y])` in
  /// `Float`, where the shifts are, per ``Compatibility`` mode:
  /// - torchvision: `x * (W / columns)` with integer division (its stride quirk);
  /// - detectron2: `Float(offset * stride + x * stride)` evaluated in `Double` (as
  ///   `torch.arange` does);
  /// - mmdetection: `Float(x) * Float(stride)`; detectronLegacy: `x * stride`.
  ///
  /// Anchors beyond the image are kept (see ``AnchorGrid/visibleMask(tolerance:)``).
  ///
  /// - Returns: the flat boxes (level → y → x → type) and each level's geometry.
  /// - Precondition: ``configurationProblem`` is `nil` and the count fits in memory; for a
  ///   size from a user or a file use ``checkedAnchors(for:limit:)``, which throws instead.
  /// - Complexity: O(N) for N = ``anchorCount(for:)``; large grids are split over cores
  ///   by rows.
  public func anchors(for image: ImageSize) -> AnchorGrid {
    if let problem = configurationProblem {
      preconditionFailure("invalid AnchorGenerator: \(problem)")
    }
    guard let total = anchorCount(for: image) else {
      preconditionFailure("anchor count on \(image) overflows Int")
    }
    var plans: [LevelPlan] = []
    var levelInfo: [AnchorLevel] = []
    var start = 0
    for index in levels.indices {
      let plan = levelPlan(index, image: image, start: start)
      let count = plan.rows * plan.columns * plan.types
      levelInfo.append(
        AnchorLevel(
          name: levels[index].name, stride: levels[index].stride, strideY: plan.strideY,
          strideX: plan.strideX, rows: plan.rows, columns: plan.columns,
          cellAnchors: cellAnchors(ofLevel: index),
          centerOffset: Float(centrePixels(ofLevel: index)), range: start..<start + count))
      plans.append(plan)
      start += count
    }
    let work = plans
    let chunks = Self.rowChunks(work, total: total)
    let boxes = BoxArray(unsafeUninitializedCount: total) { buffer in
      guard let base = buffer.baseAddress else { return }
      // Chunks write disjoint row ranges of the buffer, so sharing the pointer is safe.
      nonisolated(unsafe) let out = UnsafeMutableRawPointer(base)
      forEachChunk(ChunkPlan(count: chunks.count, chunkSize: 1)) { i, _ in
        let c = chunks[i]
        work[c.level].write(rows: c.rows, to: out)
      }
    }
    return AnchorGrid(image: image, boxes: boxes, levels: levelInfo)
  }

  /// Everything the inner loop of one level needs.
  private func levelPlan(_ index: Int, image: ImageSize, start: Int) -> LevelPlan {
    let stride = levels[index].stride
    let (rows, columns) = gridSize(ofLevel: index, for: image)
    var strideY = stride
    var strideX = stride
    if compatibility == .torchvision {
      strideY = image.height / rows
      strideX = image.width / columns
    }
    func shifts(_ n: Int, _ s: Int) -> [Float] {
      switch compatibility {
      case .torchvision, .detectronLegacy:
        return (0..<n).map { Float($0 * s) }
      case .detectron2:
        let first = centerOffset * Double(s)
        return (0..<n).map { Float(first + Double(s) * Double($0)) }
      case .mmdetection:
        return (0..<n).map { Float($0) * Float(s) }
      }
    }
    let flat = originAnchors(ofLevel: index)
    let origin = (0..<flat.count / 4).map {
      SIMD4<Float>(flat[4 * $0], flat[4 * $0 + 1], flat[4 * $0 + 2], flat[4 * $0 + 3])
    }
    return LevelPlan(
      start: start, rows: rows, columns: columns, types: origin.count, origin: origin,
      shiftX: shifts(columns, strideX), shiftY: shifts(rows, strideY),
      strideY: Float(strideY), strideX: Float(strideX))
  }

  /// Splits the rows of every level into chunks of roughly `chunkAnchors` anchors; one
  /// chunk in all when the grid is too small to pay for threads.
  private static func rowChunks(_ plans: [LevelPlan], total: Int) -> [(
    level: Int, rows: Range<Int>
  )] {
    let parallelThreshold = 1 << 16
    let chunkAnchors = 1 << 13
    if total < parallelThreshold {
      return plans.indices.map { ($0, 0..<plans[$0].rows) }
    }
    var chunks: [(level: Int, rows: Range<Int>)] = []
    for (l, plan) in plans.enumerated() {
      let perRow = max(1, plan.columns * plan.types)
      let rowsPerChunk = max(1, chunkAnchors / perRow)
      var y = 0
      while y < plan.rows {
        let end = min(plan.rows, y + rowsPerChunk)
        chunks.append((l, y..<end))
        y = end
      }
    }
    return chunks
  }
}

/// One level's origin anchors and shift tables.
private struct LevelPlan: Sendable {
  var start: Int
  var rows: Int
  var columns: Int
  var types: Int
  var origin: [SIMD4<Float>]
  var shiftX: [Float]
  var shiftY: [Float]
  var strideY: Float
  var strideX: Float

  /// Writes rows `rows` of this level into the flat output (16 bytes per anchor).
  func write(rows: Range<Int>, to out: UnsafeMutableRawPointer) {
    origin.withUnsafeBufferPointer { origin in
      shiftX.withUnsafeBufferPointer { shiftX in
        var offset = (start + rows.lowerBound * columns * types) * 16
        for y in rows {
          let sy = shiftY[y]
          for x in 0..<columns {
            let sx = shiftX[x]
            let shift = SIMD4<Float>(sx, sy, sx, sy)
            for k in 0..<types {
              out.storeBytes(of: origin[k] + shift, toByteOffset: offset, as: SIMD4<Float>.self)
              offset &+= 16
            }
          }
        }
      }
    }
  }
}
