import DetGeometry
import DetSupport
import Foundation

extension IoUMatcher {
  /// Matches `groundTruth` to grid anchors without building the M x N IoU matrix, with
  /// exactly the result of ``match(groundTruth:anchors:ignoreRegions:)``.
  ///
  /// For each ground truth only the cells of each level and type whose anchors overlap
  /// it are evaluated (every other pair has IoU exactly 0), and anchor types whose area
  /// ratio to the box keeps every IoU below ``lowThreshold`` are skipped (IoU is at most
  /// `min(area) / max(area)`). Skipped pairs are evaluated after all when they could
  /// matter: a ground truth whose best evaluated IoU does not beat the skipped bound, a
  /// tied anchor whose own best ground truth could be a skipped pair, or a ground truth
  /// whose best IoU is 0 under a policy that then ties every anchor. Work is split over
  /// levels and row bands across cores. Falls back to the dense path when `index` is
  /// not grid-aligned.
  ///
  /// - Parameters:
  ///   - groundTruth: M boxes, xyxy pixels.
  ///   - index: the anchors, built once per anchor layout.
  ///   - ignoreRegions: crowd / ignore boxes; used only when ``ignoreIoFThreshold`` is set.
  /// - Returns: per-anchor labels and statistics, as the dense path.
  /// - Throws: ``MatchingError`` for a degenerate ground truth (unless skipped) or a
  ///   non-finite ignore region.
  /// - Complexity: O(N + sum over ground truths of the anchors overlapping them) time,
  ///   O(N + M * levels) memory.
  public func match(
    groundTruth: BoxArray, in index: GridAnchorIndex, ignoreRegions: BoxArray = BoxArray()
  ) throws -> MatchResult {
    guard let grids = index.grids else {
      return try match(
        groundTruth: groundTruth, anchors: index.anchors, ignoreRegions: ignoreRegions)
    }
    let (active, skipped) = try partition(groundTruth: groundTruth)
    try requireFinite(ignoreRegions: ignoreRegions)
    let n = index.anchors.count
    let ignored = ignoreIoFThreshold.flatMap {
      sparseIgnoredAnchors(grids: grids, anchorCount: n, regions: ignoreRegions, threshold: $0)
    }
    let assembly = MatchAssembly(matcher: self, active: active)
    let run = SparseMatch(
      grids: grids, groundTruth: compact(groundTruth, rows: active), anchorCount: n,
      ignored: ignored, assembly: assembly)
    let (labels, groundTruthMax) = run.labels()
    return assembly.result(
      labels, groundTruthCount: groundTruth.count, skipped: skipped, groundTruthMax: groundTruthMax)
  }
}

/// The ignore mask from the cells each region overlaps (IoF is 0 elsewhere).
///
/// - Complexity: O(sum over regions of the anchors overlapping them).
func sparseIgnoredAnchors(grids: [GridLevel], anchorCount: Int, regions: BoxArray, threshold: Float)
  -> [Bool]?
{
  guard anchorCount > 0, !regions.isEmpty else { return nil }
  var mask = [Bool](repeating: false, count: anchorCount)
  var any = false
  for region in regions {
    for g in grids {
      for t in 0..<g.types {
        let cols = g.columns(type: t, from: region.x1, to: region.x2)
        let rows = g.rows(type: t, from: region.y1, to: region.y2)
        for r in rows {
          for c in cols {
            let iof = intersectionOverAnchor(
              g.xs1[t * g.columns + c], g.ys1[t * g.rows + r], g.xs2[t * g.columns + c],
              g.ys2[t * g.rows + r],
              region.x1, region.y1, region.x2, region.y2)
            if iof > threshold {
              mask[g.lowerBound + (r * g.columns + c) * g.types + t] = true
              any = true
            }
          }
        }
      }
    }
  }
  return any ? mask : nil
}

/// One sparse matching run (see ``IoUMatcher/match(groundTruth:in:ignoreRegions:)``).
struct SparseMatch {
  /// A slice of one level's rows, the unit of parallel work; every anchor belongs to
  /// exactly one item, so items write disjoint anchors.
  struct Item {
    let level: Int
    let rows: Range<Int>
  }

  let grids: [GridLevel]
  /// Active ground truth, flat `x1, y1, x2, y2`.
  let groundTruth: [Float]
  let m: Int
  let n: Int
  let ignored: [Bool]?
  let assembly: MatchAssembly
  let items: [Item]
  let typeCount: Int
  /// `prunedBound[j * typeCount + k]`: an upper bound (with margin) on the IoU of ground
  /// truth `j` with any anchor of global type `k` when that type is skipped for `j`, or -1.
  let prunedBound: [Double]

  init(
    grids: [GridLevel], groundTruth: [Float], anchorCount: Int, ignored: [Bool]?,
    assembly: MatchAssembly
  ) {
    self.grids = grids
    self.groundTruth = groundTruth
    self.m = groundTruth.count / 4
    self.n = anchorCount
    self.ignored = ignored
    self.assembly = assembly
    let target = max(2048, anchorCount / (4 * max(1, ProcessInfo.processInfo.activeProcessorCount)))
    var items: [Item] = []
    for (l, g) in grids.enumerated() {
      let rowsPerItem = max(1, target / (g.columns * g.types))
      for start in stride(from: 0, to: g.rows, by: rowsPerItem) {
        items.append(Item(level: l, rows: start..<min(g.rows, start + rowsPerItem)))
      }
    }
    self.items = items
    let typeCount = grids.reduce(0) { $0 + $1.types }
    self.typeCount = typeCount
    // IoU <= min(a, g) / max(a, g); the Float computation can exceed the real ratio by a
    // few ulps (~2e-7 relative), far inside the 1e-5 margin.
    let low = Double(assembly.matcher.lowThreshold)
    var bound = [Double](repeating: -1, count: m * typeCount)
    for j in 0..<m {
      let gw = groundTruth[4 * j + 2] - groundTruth[4 * j]
      let gh = groundTruth[4 * j + 3] - groundTruth[4 * j + 1]
      let area = Double(gw * gh)
      for g in grids {
        for t in 0..<g.types {
          let lo = Double(g.minArea[t])
          let hi = Double(g.maxArea[t])
          let ratio = area < lo ? area / lo : (area > hi ? hi / area : 1)
          let b = ratio * (1 + 1e-5)
          if b < low { bound[j * typeCount + g.typeOffset + t] = b }
        }
      }
    }
    self.prunedBound = bound
  }

  /// Which (ground truth, type) pairs a pass visits.
  enum Selection {
    /// Types not skipped for the ground truth.
    case kept
    /// Types skipped for the ground truth (its late evaluation).
    case skipped
    /// Kept types, plus skipped ones of ground truths marked in the array.
    case evaluated([Bool])
  }

  /// Calls `body(j, a, iou)` for every non-ignored anchor `a` of `item` that overlaps
  /// ground truth `j`, for each `j` of `gts` in order and each selected type.
  @inline(__always)
  func forEachOverlap(
    _ item: Item, gts: [Int], selection: Selection, _ body: (Int, Int, Float) -> Void
  ) {
    let g = grids[item.level]
    groundTruth.withUnsafeBufferPointer { box in
      g.xs1.withUnsafeBufferPointer { xs1 in
        g.xs2.withUnsafeBufferPointer { xs2 in
          g.ys1.withUnsafeBufferPointer { ys1 in
            g.ys2.withUnsafeBufferPointer { ys2 in
              for j in gts {
                let (bx1, by1, bx2, by2) = (
                  box[4 * j], box[4 * j + 1], box[4 * j + 2], box[4 * j + 3]
                )
                for t in 0..<g.types {
                  let isSkipped = prunedBound[j * typeCount + g.typeOffset + t] >= 0
                  switch selection {
                  case .kept: if isSkipped { continue }
                  case .skipped: if !isSkipped { continue }
                  case .evaluated(let late): if isSkipped && !late[j] { continue }
                  }
                  let rows = g.rows(type: t, from: by1, to: by2).clamped(to: item.rows)
                  if rows.isEmpty { continue }
                  let cols = g.columns(type: t, from: bx1, to: bx2)
                  if cols.isEmpty { continue }
                  for r in rows {
                    let ay1 = ys1[t * g.rows + r]
                    let ay2 = ys2[t * g.rows + r]
                    let rowBase = g.lowerBound + r * g.columns * g.types + t
                    for c in cols {
                      let a = rowBase + c * g.types
                      if let ignored, ignored[a] { continue }
                      let v = pairIoU(
                        Box(x1: bx1, y1: by1, x2: bx2, y2: by2),
                        Box(
                          x1: xs1[t * g.columns + c], y1: ay1, x2: xs2[t * g.columns + c], y2: ay2))
                      body(j, a, v)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Runs `body(itemIndex, item)` for every item, across cores.
  func forEachItem(_ body: (Int, Item) -> Void) {
    let items = self.items
    withoutActuallyEscaping(body) { body in
      nonisolated(unsafe) let body = body
      forEachChunk(ChunkPlan(count: items.count, chunkSize: 1)) { i, _ in body(i, items[i]) }
    }
  }

  /// Pass 1 over `gts` and `selection`: folds IoUs into the anchors' best (first ground
  /// truth on ties, whatever the visiting order) and each ground truth's best and count.
  func foldBest(
    gts: [Int], selection: Selection, anchorMax: inout [Float], anchorArg: inout [Int32],
    lastTie: inout [Int32],
    touched: inout [[Int]], groundTruthMax: inout [Float], evaluated: inout [Int]
  ) {
    let m = self.m
    var partialMax = [Float](repeating: -1, count: items.count * m)
    var partialCount = [Int](repeating: 0, count: items.count * m)
    anchorMax.withUnsafeMutableBufferPointer { amax in
      anchorArg.withUnsafeMutableBufferPointer { aarg in
        lastTie.withUnsafeMutableBufferPointer { tie in
          touched.withUnsafeMutableBufferPointer { touched in
            partialMax.withUnsafeMutableBufferPointer { pmax in
              partialCount.withUnsafeMutableBufferPointer { pcount in
                nonisolated(unsafe) let (amax, aarg, tie, touched, pmax, pcount) = (
                  amax, aarg, tie, touched, pmax, pcount
                )
                forEachItem { i, item in
                  let localMax = pmax.baseAddress! + i * m
                  let localCount = pcount.baseAddress! + i * m
                  forEachOverlap(item, gts: gts, selection: selection) { j, a, v in
                    let j32 = Int32(j)
                    let previous = aarg[a]
                    if previous < 0 {
                      // First visit: until now every IoU of this anchor was an implicit 0,
                      // whose first ground truth is 0.
                      touched[i].append(a)
                      tie[a] = -1
                      amax[a] = max(v, 0)
                      aarg[a] = v > 0 ? j32 : 0
                    } else if v > amax[a] || (v == amax[a] && j32 < previous) {
                      amax[a] = v
                      aarg[a] = j32
                    }
                    if v > localMax[j] { localMax[j] = v }
                    localCount[j] += 1
                  }
                }
              }
            }
          }
        }
      }
    }
    for i in 0..<items.count {
      for j in 0..<m {
        groundTruthMax[j] = max(groundTruthMax[j], partialMax[i * m + j])
        evaluated[j] += partialCount[i * m + j]
      }
    }
  }

  func labels() -> (labels: MatchAssembly.Labels, groundTruthMax: [Float]) {
    // Only touched anchors (anchorArg >= 0) have meaningful anchorMax / lastTie; the
    // others are never read, so they are left uninitialised.
    var anchorMax = [Float](unsafeUninitializedCapacity: n) { _, count in count = n }
    var anchorArg = [Int32](repeating: -1, count: n)
    var lastTie = [Int32](unsafeUninitializedCapacity: n) { _, count in count = n }
    var touched = [[Int]](repeating: [], count: items.count)
    var firstTie = [Int32](repeating: -1, count: m)
    var rawMax = [Float](repeating: -1, count: m)
    var evaluated = [Int](repeating: 0, count: m)
    let participating = n - (ignored?.reduce(0) { $0 + ($1 ? 1 : 0) } ?? 0)
    let all = Array(0..<m)
    foldBest(
      gts: all, selection: .kept, anchorMax: &anchorMax, anchorArg: &anchorArg, lastTie: &lastTie,
      touched: &touched, groundTruthMax: &rawMax, evaluated: &evaluated)

    /// Best IoU including the implicit zeros of anchors never evaluated.
    func effectiveMax() -> [Float] {
      (0..<m).map { evaluated[$0] < participating ? max(rawMax[$0], 0) : rawMax[$0] }
    }
    func largestSkippedBound(_ j: Int) -> Double {
      (0..<typeCount).reduce(-1.0) { max($0, prunedBound[j * typeCount + $1]) }
    }
    let tolerance = Double(assembly.tieRule.tolerance)
    var late = [Bool](repeating: false, count: m)
    // A ground truth whose best does not clear its skipped bound gets its skipped types.
    var best = effectiveMax()
    var needed = all.filter { j in
      let b = largestSkippedBound(j)
      return b >= 0 && Double(best[j]) - tolerance <= b
    }
    if !needed.isEmpty {
      foldBest(
        gts: needed, selection: .skipped, anchorMax: &anchorMax, anchorArg: &anchorArg,
        lastTie: &lastTie, touched: &touched, groundTruthMax: &rawMax, evaluated: &evaluated)
      for j in needed { late[j] = true }
      best = effectiveMax()
    }
    // A policy that ties every anchor to a ground truth whose best is 0, and gives tied
    // anchors their own best ground truth, needs every anchor's exact argmax.
    if assembly.tiesTakeOwnArgmax, best.contains(where: { assembly.isAllTie(best: $0) }) {
      needed = all.filter { !late[$0] && largestSkippedBound($0) >= 0 }
      if !needed.isEmpty {
        foldBest(
          gts: needed, selection: .skipped, anchorMax: &anchorMax, anchorArg: &anchorArg,
          lastTie: &lastTie, touched: &touched, groundTruthMax: &rawMax, evaluated: &evaluated)
        for j in needed { late[j] = true }
        best = effectiveMax()
      }
    }

    let tying = all.filter {
      assembly.isEligible(best: best[$0]) && !assembly.isAllTie(best: best[$0])
    }
    if !tying.isEmpty {
      let rule = assembly.tieRule
      var partialFirst = [Int32](repeating: Int32.max, count: items.count * m)
      var tiedPerItem = [[Int]](repeating: [], count: items.count)
      let selection = Selection.evaluated(late)
      let bestSnapshot = best
      lastTie.withUnsafeMutableBufferPointer { lastOut in
        partialFirst.withUnsafeMutableBufferPointer { pfirst in
          tiedPerItem.withUnsafeMutableBufferPointer { tied in
            nonisolated(unsafe) let (lastOut, pfirst, tied) = (lastOut, pfirst, tied)
            forEachItem { i, item in
              let local = pfirst.baseAddress! + i * m
              forEachOverlap(item, gts: tying, selection: selection) { j, a, v in
                if rule.ties(v, best: bestSnapshot[j]) {
                  if lastOut[a] < 0 { tied[i].append(a) }
                  lastOut[a] = max(lastOut[a], Int32(j))
                  local[j] = min(local[j], Int32(a))
                }
              }
            }
          }
        }
      }
      for i in 0..<items.count {
        for j in 0..<m where partialFirst[i * m + j] != Int32.max {
          firstTie[j] =
            firstTie[j] < 0 ? partialFirst[i * m + j] : min(firstTie[j], partialFirst[i * m + j])
        }
      }
      if assembly.tiesTakeOwnArgmax {
        fixTiedArgmax(tied: tiedPerItem, late: late, anchorMax: &anchorMax, anchorArg: &anchorArg)
      }
    }
    let labels = assembly.labels(
      anchorCount: n, touched: touched, ignored: ignored, anchorMax: anchorMax,
      anchorArg: anchorArg,
      groundTruthMax: best, lastTie: lastTie, firstTie: firstTie)
    return (labels, best)
  }

  /// A tied anchor takes its own best ground truth, so for each one the skipped pairs
  /// that could reach its best IoU (bound at least its evaluated best) are evaluated and
  /// folded in (first ground truth on ties).
  ///
  /// - Complexity: O(tied anchors * ground truths skipping their type).
  func fixTiedArgmax(
    tied: [[Int]], late: [Bool], anchorMax: inout [Float], anchorArg: inout [Int32]
  ) {
    var skippers = [[Int]](repeating: [], count: typeCount)
    for j in 0..<m where !late[j] {
      for k in 0..<typeCount where prunedBound[j * typeCount + k] >= 0 { skippers[k].append(j) }
    }
    guard skippers.contains(where: { !$0.isEmpty }) else { return }
    for (i, anchors) in tied.enumerated() {
      let g = grids[items[i].level]
      for a in anchors {
        let cell = (a - g.lowerBound) / g.types
        let t = (a - g.lowerBound) % g.types
        let (r, c) = (cell / g.columns, cell % g.columns)
        let k = g.typeOffset + t
        let (ax1, ay1, ax2, ay2) = (
          g.xs1[t * g.columns + c], g.ys1[t * g.rows + r], g.xs2[t * g.columns + c],
          g.ys2[t * g.rows + r]
        )
        for j in skippers[k] where prunedBound[j * typeCount + k] >= Double(anchorMax[a]) {
          let v = pairIoU(
            Box(
              x1: groundTruth[4 * j], y1: groundTruth[4 * j + 1], x2: groundTruth[4 * j + 2],
              y2: groundTruth[4 * j + 3]), Box(x1: ax1, y1: ay1, x2: ax2, y2: ay2))
          if v > anchorMax[a] || (v == anchorMax[a] && Int32(j) < anchorArg[a]) {
            anchorMax[a] = v
            anchorArg[a] = Int32(j)
          }
        }
      }
    }
  }
}
