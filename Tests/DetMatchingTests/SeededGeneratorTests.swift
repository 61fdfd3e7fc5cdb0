import DetMatching
import Testing

@Test func seededGeneratorIsSplitMix64() {
  // SplitMix64 reference outputs for seed 0 (Vigna's splitmix64.c).
  var g = SeededGenerator(seed: 0)
  #expect(g.next() == 0xE220_A839_7B1D_CDAF)
  #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
}
