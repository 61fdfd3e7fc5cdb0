import DetGeometry

/// Anchors that lie on regular per-level grids, indexed so a matcher can find the anchors
/// overlapping a box without visiting the others.
///
/// Anchor `k` of cell `(y, x)` of level `l` sits at flat index
/// `levels[l].range.lowerBound + (y * columns + x) * typesPerCell + k` (level -> row ->
/// column -> type, DESIGN.md's order). The index checks, once, that the anchors really are
/// *separable*: within a level and type, `x1`/`x2` depend on the column only, `y1`/`y2` on
/// the row only, and are nondecreasing along it. It then keeps just those per-column and
/// per-row coordinates (bit for bit the stored values). If any check fails (arbitrary
/// anchors, levels that do not tile the array, a non-finite value) the index is *not
/// grid-aligned* and ``IoUMatcher/match(groundTruth:in:ignoreRegions:)`` falls back to the
/// dense path, with the same result.
///
/// - Complexity: building is O(N) time; the index holds O(N) floats for the dense
///   fallback plus O(sum over levels of types * (rows + columns)) for the grids.
public struct GridAnchorIndex: Sendable {
  /// One grid: its slice of the flat anchor array and its shape.
  public struct Level: Sendable, Hashable {
    /// Flat anchor indices of this level; `range.count == rows * columns * typesPerCell`.
    public var range: Range<Int>
    /// Feature-map rows (cells along y).
    public var rows: Int
    /// Feature-map columns (cells along x).
    public var columns: Int
    /// Anchor types per cell.
    public var typesPerCell: Int

    /// Creates a level description.
    public init(range: Range<Int>, rows: Int, columns: Int, typesPerCell: Int) {
      self.range = range
      self.rows = rows
      self.columns = columns
      self.typesPerCell = typesPerCell
    }
  }

  /// The anchors, in flat order.
  public let anchors: BoxArray
  /// The separable grids, or `nil` when the anchors are not grid-aligned.
  let grids: [GridLevel]?

  /// Indexes `anchors` laid out as `levels`.
  ///
  /// - Complexity: O(N).
  public init(anchors: BoxArray, levels: [Level]) {
    self.anchors = anchors
    self.grids = Self.separableGrids(anchors: anchors, levels: levels)
  }

  /// Indexes the grid an ``AnchorGenerator`` made (every compatibility mode is
  /// separable, so the sparse path applies).
  ///
  /// - Complexity: O(N).
  public init(_ grid: AnchorGrid) {
    self.init(
      anchors: grid.boxes,
      levels: grid.levels.map {
        Level(range: $0.range, rows: $0.rows, columns: $0.columns, typesPerCell: $0.typesPerCell)
      })
  }

  /// Whether the sparse path applies (otherwise matching is dense).
  public var isGridAligned: Bool { grids != nil }

  private static func separableGrids(anchors: BoxArray, levels: [Level]) -> [GridLevel]? {
    var next = 0
    var grids: [GridLevel] = []
    var typeOffset = 0
    for level in levels {
      let (rows, columns, types) = (level.rows, level.columns, level.typesPerCell)
      guard level.range.lowerBound == next, rows > 0, columns > 0, types > 0,
        level.range.count == rows * columns * types
      else { return nil }
      next = level.range.upperBound
      guard next <= anchors.count else { return nil }
      let grid: GridLevel? = anchors.withUnsafeBufferPointer { v in
        let base = level.range.lowerBound
        func at(_ r: Int, _ c: Int, _ t: Int) -> Int { 4 * (base + (r * columns + c) * types + t) }
        var g = GridLevel(
          lowerBound: base, rows: rows, columns: columns, types: types, typeOffset: typeOffset,
          xs1: [], xs2: [], ys1: [], ys2: [], minArea: [], maxArea: [])
        for t in 0..<types {
          for c in 0..<columns {
            g.xs1.append(v[at(0, c, t)])
            g.xs2.append(v[at(0, c, t) + 2])
          }
          for r in 0..<rows {
            g.ys1.append(v[at(r, 0, t) + 1])
            g.ys2.append(v[at(r, 0, t) + 3])
          }
        }
        for t in 0..<types {
          var minW = Float.infinity
          var maxW = -Float.infinity
          var minH = Float.infinity
          var maxH = -Float.infinity
          for c in 0..<columns {
            let x1 = g.xs1[t * columns + c]
            let x2 = g.xs2[t * columns + c]
            guard x1.isFinite, x2.isFinite else { return nil }
            if c > 0, !(x1 >= g.xs1[t * columns + c - 1] && x2 >= g.xs2[t * columns + c - 1]) {
              return nil
            }
            minW = min(minW, x2 - x1)
            maxW = max(maxW, x2 - x1)
          }
          for r in 0..<rows {
            let y1 = g.ys1[t * rows + r]
            let y2 = g.ys2[t * rows + r]
            guard y1.isFinite, y2.isFinite else { return nil }
            if r > 0, !(y1 >= g.ys1[t * rows + r - 1] && y2 >= g.ys2[t * rows + r - 1]) {
              return nil
            }
            minH = min(minH, y2 - y1)
            maxH = max(maxH, y2 - y1)
          }
          // Area bounds for pruning are only valid for non-inverted anchors.
          guard minW >= 0, minH >= 0, (maxW * maxH).isFinite else { return nil }
          g.minArea.append(minW * minH)
          g.maxArea.append(maxW * maxH)
        }
        for r in 0..<rows {
          for c in 0..<columns {
            for t in 0..<types {
              let i = at(r, c, t)
              guard v[i] == g.xs1[t * columns + c], v[i + 1] == g.ys1[t * rows + r],
                v[i + 2] == g.xs2[t * columns + c], v[i + 3] == g.ys2[t * rows + r]
              else { return nil }
            }
          }
        }
        return g
      }
      guard let grid else { return nil }
      grids.append(grid)
      typeOffset += types
    }
    return next == anchors.count ? grids : nil
  }
}

/// One separable level: per type, the column x-extents and row y-extents.
struct GridLevel: Sendable {
  let lowerBound: Int
  let rows: Int
  let columns: Int
  let types: Int
  /// Index of this level's type 0 among all levels' types.
  let typeOffset: Int
  /// `xs1[t * columns + c]`: x1 of type `t` in column `c`; likewise `xs2`.
  var xs1: [Float]
  var xs2: [Float]
  /// `ys1[t * rows + r]`: y1 of type `t` in row `r`; likewise `ys2`.
  var ys1: [Float]
  var ys2: [Float]
  /// Smallest and largest `Float` area `(x2 - x1) * (y2 - y1)` of type `t`.
  var minArea: [Float]
  var maxArea: [Float]

  /// Columns of type `t` whose anchors overlap `(lo, hi)` with positive length:
  /// `xs2 > lo && xs1 < hi`. Every other column has a zero intersection.
  @inline(__always)
  func columns(type t: Int, from lo: Float, to hi: Float) -> Range<Int> {
    let base = t * columns
    let first = xs2.withUnsafeBufferPointer {
      firstIndex(in: $0, base: base, count: columns) { $0 > lo }
    }
    let end = xs1.withUnsafeBufferPointer {
      firstIndex(in: $0, base: base, count: columns) { $0 >= hi }
    }
    return first < end ? first..<end : 0..<0
  }

  /// Rows of type `t` whose anchors overlap `(lo, hi)`: `ys2 > lo && ys1 < hi`.
  @inline(__always)
  func rows(type t: Int, from lo: Float, to hi: Float) -> Range<Int> {
    let base = t * rows
    let first = ys2.withUnsafeBufferPointer {
      firstIndex(in: $0, base: base, count: rows) { $0 > lo }
    }
    let end = ys1.withUnsafeBufferPointer {
      firstIndex(in: $0, base: base, count: rows) { $0 >= hi }
    }
    return first < end ? first..<end : 0..<0
  }

  /// Binary search for the first `i` in `0..<count` with `predicate(values[base + i])`,
  /// for a predicate that is monotone (false... then true...) along nondecreasing values.
  @inline(__always)
  private func firstIndex(
    in values: UnsafeBufferPointer<Float>, base: Int, count: Int, _ predicate: (Float) -> Bool
  ) -> Int {
    var lo = 0
    var hi = count
    while lo < hi {
      let mid = (lo + hi) / 2
      if predicate(values[base + mid]) { hi = mid } else { lo = mid + 1 }
    }
    return lo
  }
}
