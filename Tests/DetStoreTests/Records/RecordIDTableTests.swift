import Testing

@testable import DetStore

@Test func tableAgreesWithDictionaryOverSeededOperations() {
  for seed in UInt64(1)...5 {
    var rng = SplitMix64(state: seed)
    var table = RecordIDTable<Int>()
    var reference: [RecordID: Int] = [:]
    for step in 0..<20_000 {
      // Small ranges force collisions and repeats; negative, huge and text ids mix in.
      let id: RecordID
      switch rng.next() % 4 {
      case 0: id = .int(Int64(rng.next() % 3000))
      case 1: id = .int(Int64(bitPattern: rng.next()))
      case 2: id = .int(-Int64(rng.next() % 100) << 40)
      default: id = .text("t\(rng.next() % 500)")
      }
      let inserted = table.insert(id, step)
      #expect(inserted == (reference[id] == nil))
      if reference[id] == nil { reference[id] = step }
      let probe: RecordID = .int(Int64(rng.next() % 4000))
      #expect(table[probe] == reference[probe])
    }
    #expect(table.count == reference.count)
    #expect(Set(table.ids) == Set(reference.keys))
  }
}
