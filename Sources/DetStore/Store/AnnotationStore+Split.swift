import DetSupport
import Foundation

/// How ``AnnotationStore/split(_:into:seed:groupPattern:progress:)`` divided a dataset.
public struct SplitReport: Sendable {
  /// Per part, in the order asked: the new dataset and what it holds.
  public var parts: [DatasetCopyCount]
  /// Per category (by name, in the dataset's category order): its boxes in each part.
  public var boxesPerPart: [(category: String, counts: [Int])]
  /// The largest `|boxes in part - fraction x boxes| / boxes` over every used category and
  /// part: 0 is a perfect stratification.
  public var largestDeviation: Double
  /// Groups the images formed (each image its own group without a pattern).
  public var groups: Int

}

extension AnnotationStore {
  /// Splits dataset `name` into new datasets `<name>-<part>` in one transaction, each image
  /// (with all its annotations, verbatim) in exactly one part, stratified by category.
  ///
  /// Algorithm (iterative stratification, Sechidis et al. 2011, over groups): groups are
  /// shuffled with `seed`, then taken rarest category first; each goes to the part that
  /// still wants most boxes of the group's rarest category (ties: most images still wanted,
  /// then the earlier part). Images without boxes fill the parts' image quotas. Then single
  /// groups move between parts while that lowers the sum of squared deviations (each
  /// category's relative to its total, and the image counts'), at most 20 passes. The same
  /// dataset, parts and seed give the same split.
  ///
  /// - Parameters:
  ///   - parts: names and fractions (each in (0, 1], summing to 1 within 1e-9).
  ///   - seed: the shuffle's seed.
  ///   - groupPattern: a regular expression over file names; images whose names give the
  ///     same match (its first capture group when it has one) stay in one part (frames of
  ///     one video). Images it does not match are groups of their own.
  ///   - progress: called with the records read while the parts are copied, in
  ///     ``ProgressUnit/records`` (total: the dataset's images and annotations); first
  ///     with 0 done (before the images are grouped), then after each chunk copied, last
  ///     with the total.
  /// - Throws: `.notFound`, `.datasetExists` for an existing `<name>-<part>`,
  ///   `.malformedInput` for an invalid pattern; nothing is written when it throws.
  /// - Complexity: O(images + annotations) memory and SQL work, plus O(groups log groups).
  public func split(
    _ name: String, into parts: [(name: String, fraction: Double)], seed: UInt64,
    groupPattern: String? = nil, progress: WorkProgressHandler? = nil
  ) throws -> SplitReport {
    precondition(!parts.isEmpty, "split needs at least one part")
    precondition(
      parts.allSatisfy { $0.fraction > 0 && $0.fraction <= 1 }
        && abs(parts.map(\.fraction).reduce(0, +) - 1) < 1e-9,
      "split fractions must be in (0, 1] and sum to 1")
    let regex: NSRegularExpression?
    do {
      regex = try groupPattern.map { try NSRegularExpression(pattern: $0) }
    } catch {
      throw StoreError(.malformedInput, "--group-by: not a regular expression: \(groupPattern!)")
    }
    return try database.transaction {
      let id = try requireDataset(named: name)
      let imagesInDataset =
        try database.scalarInt(
          "SELECT count(*) FROM images WHERE dataset_id = ?", [.int(id)]) ?? 0
      let copied = WorkTally(
        progress, total: Int(imagesInDataset) + (try annotationCount(id)), unit: .records)
      copied.report()
      // Categories in index order.
      var categoryNames: [String] = []
      var categoryIndex: [RecordID: Int] = [:]
      try forEachCategory(in: name) {
        categoryIndex[$0.id] = categoryNames.count
        categoryNames.append($0.name)
      }
      // Images and their groups.
      var groupOf: [String: Int] = [:]
      var groups: [(rows: [Int64], counts: [Int: Int])] = []
      var groupOfImage: [RecordID: Int] = [:]
      let images = try Statement(
        database: database,
        sql: "SELECT id, original_id, file_name FROM images WHERE dataset_id = ? ORDER BY id")
      images.bind(id, at: 1)
      while try images.step() {
        let fileName = images.string(2)
        var key: String? = nil
        if let regex {
          let range = NSRange(fileName.startIndex..., in: fileName)
          if let match = regex.firstMatch(in: fileName, range: range) {
            let r = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
            key = Range(r, in: fileName).map { String(fileName[$0]) }
          }
        }
        let group: Int
        if let key, let existing = groupOf[key] {
          group = existing
        } else {
          group = groups.count
          groups.append(([], [:]))
          if let key { groupOf[key] = group }
        }
        groups[group].rows.append(images.int64(0))
        groupOfImage[images.recordID(1)] = group
      }
      var totals = [Int](repeating: 0, count: categoryNames.count)
      let annotations = try Statement(
        database: database,
        sql: "SELECT image_id, category_id FROM annotations WHERE dataset_id = ?")
      annotations.bind(id, at: 1)
      while try annotations.step() {
        guard let group = groupOfImage[annotations.recordID(0)],
          let c = categoryIndex[annotations.recordID(1)]
        else { continue }
        groups[group].counts[c, default: 0] += 1
        totals[c] += 1
      }

      // Seeded shuffle, then rarest category first (groups without boxes last).
      var rng = SplitMix64(seed: seed)
      var order = Array(groups.indices)
      for i in stride(from: order.count - 1, to: 0, by: -1) {
        order.swapAt(i, Int(rng.next() % UInt64(i + 1)))
      }
      func rarest(_ g: Int) -> Int? {
        groups[g].counts.keys.min { (totals[$0], $0) < (totals[$1], $1) }
      }
      let rank = order.map { g in rarest(g).map { totals[$0] } ?? Int.max }
      order = zip(order, rank).enumerated()
        .sorted { ($0.element.1, $0.offset) < ($1.element.1, $1.offset) }
        .map(\.element.0)

      let imageTotal = groups.reduce(0) { $0 + $1.rows.count }
      var wantImages = parts.map { $0.fraction * Double(imageTotal) }
      var want = parts.map { part in totals.map { part.fraction * Double($0) } }
      var have = parts.map { _ in [Int](repeating: 0, count: totals.count) }
      var assigned = parts.map { _ in [Int64]() }
      var partOf = [Int](repeating: 0, count: groups.count)
      for g in order {
        let p: Int
        if let c = rarest(g) {
          p = parts.indices.max {
            (want[$0][c], wantImages[$0], -$0) < (want[$1][c], wantImages[$1], -$1)
          }!
        } else {
          p = parts.indices.max { (wantImages[$0], -$0) < (wantImages[$1], -$1) }!
        }
        partOf[g] = p
        wantImages[p] -= Double(groups[g].rows.count)
        for (c, n) in groups[g].counts {
          want[p][c] -= Double(n)
          have[p][c] += n
        }
      }
      // Local search: move single groups while that lowers the sum of squared relative
      // deviations (categories by their totals, images by the image count).
      func cost(_ wanted: Double, _ total: Int) -> Double {
        let r = wanted / Double(max(total, 1))
        return r * r
      }
      for _ in 0..<20 {
        var improved = false
        for g in order where !groups[g].counts.isEmpty {
          let from = partOf[g]
          let size = Double(groups[g].rows.count)
          var best = (gain: 1e-12, part: from)
          for to in parts.indices where to != from {
            var gain =
              cost(wantImages[from], imageTotal) + cost(wantImages[to], imageTotal)
              - cost(wantImages[from] + size, imageTotal) - cost(wantImages[to] - size, imageTotal)
            for (c, n) in groups[g].counts {
              let m = Double(n)
              gain +=
                cost(want[from][c], totals[c]) + cost(want[to][c], totals[c])
                - cost(want[from][c] + m, totals[c]) - cost(want[to][c] - m, totals[c])
            }
            if gain > best.gain { best = (gain, to) }
          }
          guard best.part != from else { continue }
          let to = best.part
          partOf[g] = to
          wantImages[from] += size
          wantImages[to] -= size
          for (c, n) in groups[g].counts {
            want[from][c] += Double(n)
            want[to][c] -= Double(n)
            have[from][c] -= n
            have[to][c] += n
          }
          improved = true
        }
        if !improved { break }
      }
      for (g, p) in partOf.enumerated() { assigned[p] += groups[g].rows }

      var copies: [DatasetCopyCount] = []
      for (k, part) in parts.enumerated() {
        try selectImages(assigned[k].sorted())
        copies.append(try copyDataset(id, to: "\(name)-\(part.name)", progress: copied))
      }
      copied.finish()
      var deviation = 0.0
      for (c, total) in totals.enumerated() where total > 0 {
        for (k, part) in parts.enumerated() {
          deviation = max(
            deviation, abs(Double(have[k][c]) - part.fraction * Double(total)) / Double(total))
        }
      }
      return SplitReport(
        parts: copies,
        boxesPerPart: categoryNames.enumerated().map { c, name in
          (name, parts.indices.map { have[$0][c] })
        },
        largestDeviation: deviation, groups: groups.count)
    }
  }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small seeded generator whose sequence is fixed
/// for a seed on every platform, so a split reproduces.
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
