/// A stable counting sort of records into numbered groups: where each record goes when the
/// records are laid out group by group, file order kept inside a group.
struct GroupSlots {
  /// `start[k] ..< start[k + 1]` are group `k`'s slots; `start.count == groupCount + 1`.
  let start: [Int]
  /// Record `n`'s slot, or -1 when its key is -1 (a record outside every group).
  let slot: [Int]
  /// How many records have a group: `start[groupCount]`.
  var total: Int { start[start.count - 1] }

  /// Sorts `count` records by `key(n)` in `-1 ..< groupCount` (-1: no group).
  ///
  /// - Complexity: O(count + groupCount) time, one `Int` per record and per group.
  init(count: Int, groupCount: Int, key: (Int) -> Int) {
    var keys = [Int](repeating: -1, count: count)
    var start = [Int](repeating: 0, count: groupCount + 1)
    keys.withUnsafeMutableBufferPointer { keys in
      start.withUnsafeMutableBufferPointer { start in
        for n in 0..<count {
          let k = key(n)
          keys[n] = k
          if k >= 0 { start[k + 1] += 1 }
        }
        for k in 0..<groupCount { start[k + 1] += start[k] }
      }
    }
    var next = start
    keys.withUnsafeMutableBufferPointer { keys in
      next.withUnsafeMutableBufferPointer { next in
        for n in 0..<count {
          let k = keys[n]
          guard k >= 0 else { continue }
          keys[n] = next[k]
          next[k] += 1
        }
      }
    }
    self.start = start
    self.slot = keys
  }
}
