import DetGeometry
import DetSupport

extension IoUMatcher {
  /// Matches `groundTruth` to an arbitrary set of anchors by evaluating every pair,
  /// streaming: the M x N IoU matrix is never stored (two passes recompute it).
  ///
  /// - Parameters:
  ///   - groundTruth: M boxes, xyxy pixels.
  ///   - anchors: N boxes, xyxy pixels, finite.
  ///   - ignoreRegions: crowd / ignore boxes; used only when ``ignoreIoFThreshold`` is set.
  /// - Returns: per-anchor labels (see ``IoUMatcher``) and statistics.
  /// - Throws: ``MatchingError`` for a degenerate ground truth (unless skipped) or a
  ///   non-finite anchor or ignore region.
  /// - Complexity: O(M * N + R * N) time (twice M * N with low-quality matches), split
  ///   across cores; O(M + N) memory.
  public func match(
    groundTruth: BoxArray, anchors: BoxArray, ignoreRegions: BoxArray = BoxArray()
  ) throws -> MatchResult {
    let (active, skipped) = try partition(groundTruth: groundTruth)
    try requireFinite(anchors: anchors)
    try requireFinite(ignoreRegions: ignoreRegions)
    let ignored = ignoreIoFThreshold.flatMap {
      ignoredAnchors(anchors: anchors, regions: ignoreRegions, threshold: $0)
    }
    let gt = compact(groundTruth, rows: active)
    let assembly = MatchAssembly(matcher: self, active: active)
    let matches = gt.withUnsafeBufferPointer { g in
      anchors.withUnsafeBufferPointer { a in
        assembly.denseLabels(
          scores: BoxPairScores(groundTruth: g, anchors: a), groundTruthCount: active.count,
          anchorCount: anchors.count, ignored: ignored)
      }
    }
    return assembly.result(
      matches.labels, groundTruthCount: groundTruth.count, skipped: skipped,
      groundTruthMax: matches.groundTruthMax)
  }

  /// Matches from a precomputed quality matrix, as torchvision's `Matcher(matrix)` does.
  ///
  /// - Parameters:
  ///   - iouMatrix: row-major `groundTruthCount x anchorCount` values in `[0, +inf)`, row
  ///     `j` holding ground truth `j`'s IoU with every anchor.
  ///   - groundTruthCount: M, rows of the matrix (0 gives all background).
  ///   - anchorCount: N, columns.
  ///   - ignoring: optional per-anchor mask of anchors removed from matching (they come
  ///     out as ``MatchLabel/ignore``), mmdetection's ignore-region effect.
  /// - Precondition: `iouMatrix.count == M * N`, no NaN or negative entry, a mask of N.
  /// - Complexity: O(M * N).
  public func match(
    iouMatrix: [Float], groundTruthCount: Int, anchorCount: Int, ignoring: [Bool]? = nil
  ) -> MatchResult {
    precondition(
      groundTruthCount >= 0 && anchorCount >= 0, "matrix dimensions must be non-negative")
    precondition(
      iouMatrix.count == groundTruthCount * anchorCount,
      "iouMatrix holds \(iouMatrix.count) values, expected \(groundTruthCount) x \(anchorCount)")
    precondition(iouMatrix.allSatisfy { $0 >= 0 }, "iouMatrix entries must be >= 0 and not NaN")
    precondition(
      ignoring.map { $0.count == anchorCount } ?? true,
      "ignoring mask must have one entry per anchor")
    let active = Array(0..<groundTruthCount)
    let assembly = MatchAssembly(matcher: self, active: active)
    let matches = iouMatrix.withUnsafeBufferPointer { m in
      assembly.denseLabels(
        scores: MatrixScores(matrix: m, anchorCount: anchorCount),
        groundTruthCount: groundTruthCount,
        anchorCount: anchorCount, ignored: ignoring.flatMap { $0.contains(true) ? $0 : nil })
    }
    return assembly.result(
      matches.labels, groundTruthCount: groundTruthCount, skipped: [],
      groundTruthMax: matches.groundTruthMax)
  }
}

/// IoU of active ground truth `j` with anchor `a`.
protocol PairScores {
  func score(_ j: Int, _ a: Int) -> Float
}

/// torchvision `box_iou` on compact ground truth and anchor storage.
struct BoxPairScores: PairScores {
  let groundTruth: UnsafeBufferPointer<Float>
  let anchors: UnsafeBufferPointer<Float>

  @inline(__always)
  func score(_ j: Int, _ a: Int) -> Float {
    pairIoU(
      Box(
        x1: groundTruth[4 * j], y1: groundTruth[4 * j + 1], x2: groundTruth[4 * j + 2],
        y2: groundTruth[4 * j + 3]),
      Box(
        x1: anchors[4 * a], y1: anchors[4 * a + 1], x2: anchors[4 * a + 2], y2: anchors[4 * a + 3]))
  }
}

/// Entries of a row-major M x N matrix.
struct MatrixScores: PairScores {
  let matrix: UnsafeBufferPointer<Float>
  let anchorCount: Int

  @inline(__always)
  func score(_ j: Int, _ a: Int) -> Float { matrix[j * anchorCount + a] }
}

extension MatchAssembly {
  /// Labels from every pair's score: pass 1 finds each anchor's best (first on ties) and
  /// each ground truth's best, pass 2 (low-quality only) finds the ties.
  ///
  /// - Complexity: O(M * N) per pass, parallel over anchors; O(N + M * chunks) memory.
  func denseLabels<S: PairScores>(
    scores: S, groundTruthCount m: Int, anchorCount n: Int, ignored: [Bool]?
  ) -> (labels: Labels, groundTruthMax: [Float]) {
    var anchorMax = [Float](repeating: 0, count: n)
    var anchorArg = [Int32](repeating: 0, count: n)
    var lastTie = [Int32](repeating: -1, count: n)
    let chunks = ChunkPlan(count: n, minimumChunk: 2048).chunkCount
    var partialMax = [Float](repeating: -1, count: chunks * m)
    let ignoredMask = ignored
    if m > 0 {
      anchorMax.withUnsafeMutableBufferPointer { maxOut in
        anchorArg.withUnsafeMutableBufferPointer { argOut in
          partialMax.withUnsafeMutableBufferPointer { partial in
            nonisolated(unsafe) let (maxOut, argOut, partial) = (maxOut, argOut, partial)
            nonisolated(unsafe) let scores = scores
            forEachChunk(ChunkPlan(count: n, minimumChunk: 2048)) { c, range in
              let local = partial.baseAddress! + c * m
              for a in range where !(ignoredMask?[a] ?? false) {
                var best: Float = 0
                var arg: Int32 = 0
                for j in 0..<m {
                  let v = scores.score(j, a)
                  if v > best {
                    best = v
                    arg = Int32(j)
                  }
                  if v > local[j] { local[j] = v }
                }
                maxOut[a] = best
                argOut[a] = arg
              }
            }
          }
        }
      }
    }
    var groundTruthMax = [Float](repeating: -1, count: m)
    for c in 0..<chunks {
      for j in 0..<m { groundTruthMax[j] = max(groundTruthMax[j], partialMax[c * m + j]) }
    }

    var firstTie = [Int32](repeating: -1, count: m)
    let tying = (0..<m).filter {
      isEligible(best: groundTruthMax[$0]) && !isAllTie(best: groundTruthMax[$0])
    }
    if !tying.isEmpty {
      let rule = tieRule
      var partialFirst = [Int32](repeating: -1, count: chunks * m)
      lastTie.withUnsafeMutableBufferPointer { lastOut in
        partialFirst.withUnsafeMutableBufferPointer { partial in
          nonisolated(unsafe) let (lastOut, partial) = (lastOut, partial)
          nonisolated(unsafe) let scores = scores
          forEachChunk(ChunkPlan(count: n, minimumChunk: 2048)) { c, range in
            let local = partial.baseAddress! + c * m
            for a in range where !(ignoredMask?[a] ?? false) {
              var last: Int32 = -1
              for j in tying where rule.ties(scores.score(j, a), best: groundTruthMax[j]) {
                last = Int32(j)
                if local[j] < 0 { local[j] = Int32(a) }
              }
              lastOut[a] = last
            }
          }
        }
      }
      for c in 0..<chunks {
        for j in 0..<m where firstTie[j] < 0 { firstTie[j] = partialFirst[c * m + j] }
      }
    }
    let labels = self.labels(
      anchorCount: n, ignored: ignored, anchorMax: anchorMax, anchorArg: anchorArg,
      groundTruthMax: groundTruthMax, lastTie: lastTie, firstTie: firstTie)
    return (labels, groundTruthMax)
  }
}
