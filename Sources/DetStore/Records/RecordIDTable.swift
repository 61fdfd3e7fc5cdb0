/// A hash map from `RecordID` to `Value`, tuned for importers that look up ids once or
/// twice per record: integer ids live in an open-addressing table (linear probing, load
/// ≤ 1/2, a multiplicative mix instead of SipHash); text ids in a `Dictionary`.
///
/// Ids come from input files, so a hostile file could choose colliding integers; probing
/// then degrades towards O(n) per lookup but stays correct.
/// - Complexity: expected O(1) per operation.
struct RecordIDTable<Value> {
  private var keys: [Int64] = []
  private var values: [Value?] = []
  private var used = 0
  private var shift = 64
  private var texts: [String: Value] = [:]

  var count: Int { used + texts.count }

  @inline(__always)
  private func slot(_ key: Int64) -> Int {
    Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
  }

  subscript(id: RecordID) -> Value? {
    get {
      switch id {
      case .int(let key):
        guard used > 0 else { return nil }
        let mask = keys.count - 1
        var i = slot(key)
        while let value = values[i] {
          if keys[i] == key { return value }
          i = (i + 1) & mask
        }
        return nil
      case .text(let key):
        return texts[key]
      }
    }
  }

  func contains(_ id: RecordID) -> Bool { self[id] != nil }

  /// Inserts `value` for `id` unless present. Returns whether it was inserted.
  @discardableResult
  mutating func insert(_ id: RecordID, _ value: Value) -> Bool {
    switch id {
    case .int(let key):
      if (used + 1) * 2 > keys.count { grow() }
      let mask = keys.count - 1
      var i = slot(key)
      while values[i] != nil {
        if keys[i] == key { return false }
        i = (i + 1) & mask
      }
      keys[i] = key
      values[i] = value
      used += 1
      return true
    case .text(let key):
      guard texts[key] == nil else { return false }
      texts[key] = value
      return true
    }
  }

  private mutating func grow() {
    let oldKeys = keys
    let oldValues = values
    let capacity = max(64, keys.count * 2)
    keys = Array(repeating: 0, count: capacity)
    values = Array(repeating: nil, count: capacity)
    shift = 64 - capacity.trailingZeroBitCount
    let mask = capacity - 1
    for (key, value) in zip(oldKeys, oldValues) {
      guard let value else { continue }
      var i = slot(key)
      while values[i] != nil { i = (i + 1) & mask }
      keys[i] = key
      values[i] = value
    }
  }

  /// Every id in the table (unordered).
  var ids: [RecordID] {
    var result: [RecordID] = []
    result.reserveCapacity(count)
    for (key, value) in zip(keys, values) where value != nil { result.append(.int(key)) }
    for key in texts.keys { result.append(.text(key)) }
    return result
  }
}

extension RecordIDTable where Value == Bool {
  /// Set-style insert for tables used as sets.
  @discardableResult
  mutating func insert(_ id: RecordID) -> Bool { insert(id, true) }
}
