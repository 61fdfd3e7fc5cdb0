import Foundation
import Testing

@testable import DetGeometry

#if os(Linux)
  /// A new mapping of `pages` pages (private anonymous read-write by default), unmapped by
  /// `body`'s end. No huge pages: where THP is `always`, one write could otherwise bring in
  /// 2 MiB and change what counts as resident.
  private func withMapping(
    pages: Int, protection: Int32 = PROT_READ | PROT_WRITE,
    flags: Int32 = MAP_PRIVATE | MAP_ANONYMOUS, file: Int32 = -1,
    _ body: (UnsafeMutableRawBufferPointer) throws -> Void
  ) throws {
    let size = pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    let pointer = try #require(mmap(nil, size, protection, flags, file, 0))
    try #require(pointer != MAP_FAILED)
    defer { munmap(pointer, size) }
    _ = madvise(pointer, size, MADV_NOHUGEPAGE)
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

  /// What `MADV_DONTNEED` would not zero, or what is not plain writable memory, is refused
  /// even when none of it is in memory yet: shared memory, a private mapping of a file
  /// (refilled from the file; its pages dropped from the cache first), read-only anonymous
  /// memory; and so is fresh memory with no whole page.
  @Test func sharedFileAndReadOnlyMemoryAndPartialPagesAreRefused() throws {
    try withMapping(pages: 16, flags: MAP_SHARED | MAP_ANONYMOUS) { mapping in
      #expect(!zeroFreshPages(mapping))
    }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("detkit-zero-pages-\(UUID().uuidString)").path
    try Data(repeating: 0x77, count: 16 * page).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let file = open(path, O_RDWR)
    try #require(file >= 0)
    defer { close(file) }
    _ = fsync(file)
    _ = posix_fadvise(file, 0, 0, POSIX_FADV_DONTNEED)
    try withMapping(pages: 16, flags: MAP_PRIVATE, file: file) { mapping in
      #expect(!zeroFreshPages(mapping))
      #expect(mapping.allSatisfy { $0 == 0x77 })
    }
    try withMapping(pages: 16, protection: PROT_READ) { mapping in
      #expect(!zeroFreshPages(mapping))
    }
    try withMapping(pages: 2) { mapping in
      let straddling = UnsafeMutableRawBufferPointer(
        rebasing: mapping[(page - 100)..<(page + 100)])
      #expect(!zeroFreshPages(straddling))
    }
  }
#endif
