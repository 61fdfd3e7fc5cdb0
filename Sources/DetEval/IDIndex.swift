/// Dense positions `0..<count` of a sorted list of ids: a direct table (4 bytes per id of the
/// span) when the ids span less than 8 times their count or 2^20 (COCO's image ids: val2017's
/// 5,000 span about 580,000), else a dictionary.
struct IDIndex: Sendable {
  private let minimum: Int64
  private let table: [Int32]
  private let dictionary: [Int64: Int32]

  /// - Parameter ids: distinct ids; position `i` of the list becomes index `i`.
  init(_ ids: [Int64]) {
    guard let low = ids.min(), let high = ids.max() else {
      minimum = 0
      table = []
      dictionary = [:]
      return
    }
    let (span, overflow) = high.subtractingReportingOverflow(low)
    // A direct table (4 bytes per id value in the span) while it stays within 8 entries an
    // id or 4 MiB; sparser ids go to the dictionary.
    if !overflow && span < max(Int64(8) * Int64(ids.count), 1 << 20) {
      var table = [Int32](repeating: -1, count: Int(span) + 1)
      for (position, id) in ids.enumerated() { table[Int(id - low)] = Int32(position) }
      minimum = low
      self.table = table
      dictionary = [:]
    } else {
      var dictionary: [Int64: Int32] = [:]
      dictionary.reserveCapacity(ids.count)
      for (position, id) in ids.enumerated() { dictionary[id] = Int32(position) }
      minimum = 0
      table = []
      self.dictionary = dictionary
    }
  }

  /// The position of `id`, or -1 when the list does not have it.
  @inline(__always) func position(of id: Int64) -> Int {
    if !table.isEmpty {
      let (offset, overflow) = id.subtractingReportingOverflow(minimum)
      guard !overflow, offset >= 0, offset < Int64(table.count) else { return -1 }
      return Int(table[Int(offset)])
    }
    return Int(dictionary[id] ?? -1)
  }
}
