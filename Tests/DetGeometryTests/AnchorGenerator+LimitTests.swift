import DetGeometry
import Testing

/// W-FPN: DESIGN.md gives 268,569 FPN anchors on 800 x 1344; well under the limit.
@Test func checkedCountOfTheStandardWorkloadIsTheDesignFigure() throws {
  #expect(
    try AnchorGenerator.fpn().checkedAnchorCount(for: ImageSize(height: 800, width: 1344))
      == 268_569)
}

/// 100001 x 100001 with the FPN preset: 3 * sum over strides 4..64 of ceil(100001 / s)^2
/// = 2,497,844,544 (computed by hand in Python), far above 10^8: thrown before allocating.
@Test func aHugeImageThrowsNamingTheSizeTheCountAndTheLimit() {
  let image = ImageSize(height: 100_001, width: 100_001)
  #expect(AnchorGenerator.maximumAnchorCount == 100_000_000)
  #expect {
    _ = try AnchorGenerator.fpn().checkedAnchors(for: image)
  } throws: { error in
    guard let e = error as? AnchorLimitError else { return false }
    let text = "\(e)"
    return e.image == image && e.anchorCount == 2_497_844_544 && e.limit == 100_000_000
      && text.contains("100001x100001") && text.contains("2497844544")
      && text.contains("100000000")
  }
}

/// Sides of Int.max: `ceil(H / s)` must not overflow (it used to compute `H + s - 1`, which
/// trapped), and the count, which does not fit in an Int, is reported as nil.
@Test func sidesOfIntMaxAreCountedWithoutOverflow() {
  let image = ImageSize(height: .max, width: .max)
  let g = AnchorGenerator.fpn()
  // Int.max = 2^63 - 1; (2^63 - 1) / 4 = 2^61 - 1 remainder 3, so ceil is 2^61.
  #expect(g.gridSize(ofLevel: 0, for: image) == (1 << 61, 1 << 61))
  #expect(g.anchorCount(for: image) == nil)
  #expect {
    _ = try g.checkedAnchorCount(for: image)
  } throws: { ($0 as? AnchorLimitError)?.anchorCount == nil }
}

/// The limit is inclusive: a grid of exactly `limit` anchors is built, one fewer throws.
@Test func theLimitIsInclusive() throws {
  let g = AnchorGenerator(
    levels: [.init(name: "P3", stride: 8, size: 32)], aspectRatios: [1], scales: [1])
  let image = ImageSize(height: 80, width: 160)  // 10 x 20 cells, 1 type: 200 anchors
  #expect(try g.checkedAnchors(for: image, limit: 200).count == 200)
  #expect(throws: AnchorLimitError(image: image, anchorCount: 200, limit: 199)) {
    _ = try g.checkedAnchors(for: image, limit: 199)
  }
}

/// Exact multiples and remainders of the stride: ceil(H / s) for H = s - 1, s, s + 1.
@Test func gridSizeIsTheCeilingOfSideOverStride() {
  let g = AnchorGenerator(
    levels: [.init(name: "P3", stride: 8, size: 32)], aspectRatios: [1], scales: [1])
  #expect(g.gridSize(ofLevel: 0, for: ImageSize(height: 7, width: 8)) == (1, 1))
  #expect(g.gridSize(ofLevel: 0, for: ImageSize(height: 9, width: 16)) == (2, 2))
  #expect(g.gridSize(ofLevel: 0, for: ImageSize(height: 1, width: 17)) == (1, 3))
}
