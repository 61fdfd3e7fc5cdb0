import Testing

@testable import DetStore

/// A random id: dense small integers (the bitmap / array), far-off and negative integers and
/// text (the table), and integers a little above the covered range, which land in the table
/// first and are covered by the bitmap / array once it grows.
private func randomID(_ rng: inout SplitMix64, dense: Int) -> RecordID {
  switch rng.next() % 6 {
  case 0, 1: return .int(Int64(rng.next() % UInt64(dense)))
  case 2: return .int(Int64(bitPattern: rng.next()))
  case 3: return .int(-Int64(rng.next() % 100) - 1)
  case 4: return .int(Int64(600_000 + rng.next() % 2_000_000))
  default: return .text("t\(rng.next() % 500)")
  }
}

@Test func recordIDSetAgreesWithASetOverSeededOperations() {
  for seed in UInt64(1)...4 {
    var rng = SplitMix64(state: seed)
    var set = RecordIDSet()
    var reference = Set<RecordID>()
    for _ in 0..<40_000 {
      let id = randomID(&rng, dense: 60_000)
      let inserted = set.insert(id)
      #expect(inserted == reference.insert(id).inserted, "\(id)")
      let probe = randomID(&rng, dense: 60_000)
      #expect(set.contains(probe) == reference.contains(probe), "\(probe)")
    }
    #expect(set.count == reference.count)
    #expect(Set(set.ids) == reference)
    #expect(set.ids.count == reference.count)
  }
}

@Test func imageSizeTableAgreesWithADictionaryOverSeededOperations() {
  for seed in UInt64(1)...4 {
    var rng = SplitMix64(state: seed)
    var table = ImageSizeTable()
    var reference: [RecordID: (width: Int, height: Int)] = [:]
    for step in 0..<40_000 {
      let id = randomID(&rng, dense: 60_000)
      // Mostly ordinary sizes; some that do not pack into 32 bits each.
      let size =
        step % 97 == 0
        ? (width: 1 << 40, height: 3) : (width: 1 + step % 5000, height: 1 + step % 3001)
      let inserted = table.insert(id, size)
      #expect(inserted == (reference[id] == nil), "\(id)")
      if reference[id] == nil { reference[id] = size }
      let probe = randomID(&rng, dense: 60_000)
      #expect(
        table[probe].map { [$0.width, $0.height] }
          == reference[probe].map { [$0.width, $0.height] })
    }
    #expect(table.count == reference.count)
  }
}

/// Ids 1 ... n in any order end in the set's bitmap (about a bit each); increasing ids,
/// however sparse (COCO's, the generator's 100000 + 7 i + 0...6), in the size table's sorted
/// run (16 bytes each): none stays in a hash table.
@Test func denseIDsStayOutOfTheHashTable() {
  var set = RecordIDSet()
  var sizes = ImageSizeTable()
  var rng = SplitMix64(state: 9)
  var ids = Array(1...1_000_000)
  for i in stride(from: ids.count - 1, to: 0, by: -1) {
    ids.swapAt(i, Int(rng.next() % UInt64(i + 1)))
  }
  var inserted = 0
  for id in ids {
    if set.insert(.int(Int64(id))) { inserted += 1 }
  }
  for i in 0..<200_000 {
    let id = 100_000 + 7 * i + Int(rng.next() % 7)
    if sizes.insert(.int(Int64(id)), (width: 640, height: 480 + i % 3)) { inserted += 1 }
    if i == 150_000 { #expect(sizes[.int(Int64(id))]! == (640, 480)) }
  }
  #expect(inserted == ids.count + 200_000)
  #expect(set.tableCount == 0)
  #expect(sizes.tableCount == 0)
  let again = set.insert(.int(77))
  #expect(!again)
  #expect(sizes.count == 200_000)
  let repeated = sizes.insert(.int(100_000 + 7 * 1234 + 6), (width: 1, height: 1))
  #expect(sizes.tableCount == (repeated ? 1 : 0))
}
