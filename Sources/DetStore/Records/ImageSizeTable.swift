/// Image sizes by `RecordID` for the importers, compact for the way datasets list images:
/// integer ids that arrive in increasing order (COCO's, LVIS's, Objects365's files, however
/// sparse the ids) are appended to two parallel sorted arrays, the id and the packed
/// width and height, 16 bytes an image (up to 32 with the arrays' spare capacity), found by
/// binary search; the rest (an id below one already seen, text ids, sizes that do not pack
/// into 32 bits each) go to a `RecordIDTable` (64–128 bytes an image).
/// - Complexity: O(log n) per lookup in the sorted run, expected O(1) in the table; O(1)
///   amortised per insert.
struct ImageSizeTable {
  private var runIDs: [Int64] = []
  private var runSizes: [UInt64] = []
  private var others = RecordIDTable<(width: Int, height: Int)>()

  /// Images held.
  var count: Int { runIDs.count + others.count }

  /// Images held by the hash table (for tests of the compact tier).
  var tableCount: Int { others.count }

  subscript(id: RecordID) -> (width: Int, height: Int)? {
    if case .int(let key) = id, let last = runIDs.last, key <= last, key >= runIDs[0] {
      var low = 0
      var high = runIDs.count
      while low < high {
        let mid = (low + high) / 2
        if runIDs[mid] < key { low = mid + 1 } else { high = mid }
      }
      if runIDs[low] == key {
        let code = runSizes[low]
        return (Int(code >> 32), Int(code & 0xFFFF_FFFF))
      }
    }
    return others.count > 0 ? others[id] : nil
  }

  func contains(_ id: RecordID) -> Bool { self[id] != nil }

  /// Inserts `size` for `id` unless present. Returns whether it was inserted.
  @discardableResult
  mutating func insert(_ id: RecordID, _ size: (width: Int, height: Int)) -> Bool {
    if contains(id) { return false }
    let range = 0...Int(UInt32.max)
    if case .int(let key) = id, key > runIDs.last ?? .min, range.contains(size.width),
      range.contains(size.height)
    {
      runIDs.append(key)
      runSizes.append(UInt64(size.width) << 32 | UInt64(size.height))
      return true
    }
    return others.insert(id, size)
  }
}
