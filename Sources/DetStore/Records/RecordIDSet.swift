/// A set of `RecordID`s for the importers' duplicate checks, compact for the ids datasets
/// use: non-negative integers not much larger than the number of ids (COCO's, LVIS's,
/// Objects365's) live in a bitmap, one bit per possible id below the largest; the rest
/// (negative or far-off integers, text ids) in a `RecordIDTable`.
///
/// The bitmap covers `0 ..< 64 * words.count` and grows (doubling) only while it stays within
/// ``bitsPerID`` bits per id held (plus a fixed 64 KiB), so memory is at most 8 bytes per id
/// for the bitmap plus 18–36 bytes per id that lands in the table; ids `1 ... n` in any order
/// cost about one bit each.
///
/// When the bitmap grows, the table's ids it now covers move into it, so ids `1 ... n` end
/// in the bitmap in any order.
/// - Complexity: expected O(1) per operation (amortised over the bitmap's growth).
struct RecordIDSet {
  /// The bitmap's budget per id held.
  static let bitsPerID = 64
  /// Bits the bitmap may always cover (64 KiB).
  static let freeBits = 1 << 19

  private var words: [UInt64] = []
  private var inBitmap = 0
  private var others = RecordIDTable<Bool>()

  /// Ids held by the hash table (for tests of the compact tier).
  var tableCount: Int { others.count }

  /// Ids held.
  var count: Int { inBitmap + others.count }

  func contains(_ id: RecordID) -> Bool {
    if case .int(let key) = id, key >= 0, key < Int64(words.count) * 64 {
      let k = Int(key)
      if words[k >> 6] & (1 << UInt64(k & 63)) != 0 { return true }
    }
    return others.count > 0 && others.contains(id)
  }

  /// Inserts `id` unless present. Returns whether it was inserted.
  @discardableResult
  mutating func insert(_ id: RecordID) -> Bool {
    if contains(id) { return false }
    if case .int(let key) = id, key >= 0, key < Int64(allowedBits) {
      let k = Int(key)
      if k >= words.count * 64 {
        // Double (at least to cover k), within the budget.
        let needed = k / 64 + 1
        let target = min(max(needed, words.count * 2, 1024), (allowedBits + 63) / 64)
        words.append(contentsOf: repeatElement(0, count: target - words.count))
        migrate()
      }
      words[k >> 6] |= 1 << UInt64(k & 63)
      inBitmap += 1
      return true
    }
    return others.insert(id)
  }

  /// Moves the table's ids that the bitmap now covers into it, so that ids `0 ... n` end in
  /// the bitmap whatever their order.
  private mutating func migrate() {
    guard others.count > 0 else { return }
    var rest = RecordIDTable<Bool>()
    for id in others.ids {
      if case .int(let key) = id, key >= 0, key < Int64(words.count) * 64 {
        let k = Int(key)
        words[k >> 6] |= 1 << UInt64(k & 63)
        inBitmap += 1
      } else {
        rest.insert(id)
      }
    }
    others = rest
  }

  /// The bits the bitmap may cover now.
  private var allowedBits: Int { Self.freeBits + Self.bitsPerID * (count + 1) }

  /// Every id in the set (unordered).
  var ids: [RecordID] {
    var result = others.ids
    result.reserveCapacity(count)
    for (w, word) in words.enumerated() where word != 0 {
      for b in 0..<64 where word & (1 << UInt64(b)) != 0 { result.append(.int(Int64(w * 64 + b))) }
    }
    return result
  }
}
