import Foundation
import Testing

@testable import DetGeometry

#if os(Linux)
  /// A new private anonymous mapping of `pages` pages, unmapped by `body`'s end.
  private func withMapping(
    pages: Int, flags: Int32 = MAP_PRIVATE | MAP_ANONYMOUS,
    _ body: (UnsafeMutableRawBufferPointer) throws -> Void
  ) throws {
    let size = pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    let pointer = try #require(mmap(nil, size, PROT_READ | PROT_WRITE, flags, -1, 0))
    try #require(pointer != MAP_FAILED)
    defer { munmap(pointer, size) }
    try body(UnsafeMutableRawBufferPointer(start: pointer, count: size))
  }

  /// Fresh private anonymous memory: a slice that starts and ends inside pages, whose partial
  /// pages hold old bytes, reads as all zeros afterwards, the partial pages included.
  @Test func freshPrivateMemoryBecomesZeroPages() throws {
    try withMapping(pages: 64) { mapping in
      let page = Int(sysconf(Int32(_SC_PAGESIZE)))
      let slice = UnsafeMutableRawBufferPointer(rebasing: mapping[100..<(mapping.count - 300)])
      mapping[..<page].initializeMemory(as: UInt8.self, repeating: 0xAB)
      mapping[(mapping.count - page)...].initializeMemory(as: UInt8.self, repeating: 0xAB)
      #expect(zeroFreshPages(slice))
      #expect(slice.allSatisfy { $0 == 0 })
      #expect(mapping[..<100].allSatisfy { $0 == 0xAB })
      #expect(mapping[(mapping.count - 300)...].allSatisfy { $0 == 0xAB })
    }
  }

  /// A few pages already written (one of 64, as the huge page around an allocator's header
  /// can be) are dropped with the rest and read as zeros; more than one in 16 written is
  /// memory in use, left alone (plain writes cost less there than new pages).
  @Test func writtenPagesAreZeroedWhenFewAndLeftAloneWhenMany() throws {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    try withMapping(pages: 64) { mapping in
      let written = UnsafeMutableRawBufferPointer(rebasing: mapping[(20 * page)..<(21 * page)])
      written.initializeMemory(as: UInt8.self, repeating: 0x5A)
      #expect(zeroFreshPages(mapping))
      #expect(mapping.allSatisfy { $0 == 0 })
    }
    try withMapping(pages: 64) { mapping in
      let written = UnsafeMutableRawBufferPointer(rebasing: mapping[(20 * page)..<(25 * page)])
      written.initializeMemory(as: UInt8.self, repeating: 0x5A)
      #expect(!zeroFreshPages(mapping))
      #expect(written.allSatisfy { $0 == 0x5A })
    }
  }

  /// Shared memory is refused even when none of it is in memory yet (`MADV_DONTNEED` would
  /// not zero it), and so is a buffer with no whole page.
  @Test func sharedMemoryAndPartialPagesAreRefused() throws {
    try withMapping(pages: 16, flags: MAP_SHARED | MAP_ANONYMOUS) { mapping in
      #expect(!zeroFreshPages(mapping))
    }
    try withMapping(pages: 2) { mapping in
      let page = Int(sysconf(Int32(_SC_PAGESIZE)))
      let straddling = UnsafeMutableRawBufferPointer(
        rebasing: mapping[(page - 100)..<(page + 100)])
      #expect(!zeroFreshPages(straddling))
    }
  }
#endif
