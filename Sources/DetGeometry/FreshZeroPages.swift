import DetSupport

#if canImport(Glibc)
  import Glibc
#endif

/// Makes a freshly allocated, not yet written buffer read as all +0 without writing its
/// whole pages, when the operating system can promise that.
///
/// A large result that is mostly zeros (an IoU matrix: 95% of its groups of 16 entries on
/// W-FPN) then needs only its non-zero entries written: the kernel zeroes each page on
/// first touch anyway, so writing the zeros again only doubles the memory traffic.
///
/// It holds only for memory whose zero-fill the kernel guarantees, and it is only worth it
/// for memory that is not yet in use, so it returns `false` unless all of these hold
/// (Linux only; elsewhere always `false`):
/// - the buffer spans at least one whole page;
/// - `/proc/self/maps` shows its whole pages in private, anonymous, writable mappings
///   (what `malloc` returns; not shared memory, not a file, which `MADV_DONTNEED` would
///   refill from the file);
/// - at most one in 16 of those pages is in memory yet (`mincore`): fresh memory from the
///   allocator, as glibc's `malloc` typically gives for blocks of 32 MiB and more (a few
///   pages may be in, say the huge page around the allocator's header where THP is
///   `always`). Memory an allocator recycles, already written, gets plain writes instead,
///   which cost less there than new pages;
/// - `madvise(MADV_DONTNEED)` succeeds on them (not on locked memory), which drops the
///   pages that are in and makes every page zero-fill-on-demand, even one swapped out.
/// The bytes of the partial pages at both ends are then zeroed by `memset`.
///
/// On `false` the buffer's contents are unspecified, as they were: a `madvise` that fails
/// part-way (a later mapping locked) may already have dropped earlier pages. Not covered:
/// memory registered with `userfaultfd` in missing mode, whose handler would refill the
/// dropped pages (nothing in detkit does that to its own buffers). Tools that track
/// initialisation (valgrind's memcheck, MemorySanitizer) do not know the zero pages, so
/// they report the entries a caller then leaves unwritten as uninitialised.
///
/// - Parameter buffer: memory the caller owns and has not written (its contents are lost).
/// - Returns: whether every byte of `buffer` now reads as 0.
/// - Complexity: O(pages) in system calls over page tables (about 26,000 entries for a
///   107 MB buffer), plus reading `/proc/self/maps` (O(mappings)); writes at most two
///   pages.
package func zeroFreshPages(_ buffer: UnsafeMutableRawBufferPointer) -> Bool {
  #if os(Linux)
    guard let base = buffer.baseAddress else { return false }
    let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
    let address = UInt(bitPattern: base)
    let start = (address + page - 1) & ~(page - 1)
    let end = (address + UInt(buffer.count)) & ~(page - 1)
    guard end > start, let first = UnsafeMutableRawPointer(bitPattern: start) else {
      return false
    }
    let length = Int(end - start)
    guard privateAnonymousMappingsCover(start..<end),
      fewPagesResident(first, length: length, pageSize: Int(page)),
      madvise(first, length, MADV_DONTNEED) == 0
    else { return false }
    memset(base, 0, Int(start - address))
    memset(first + length, 0, Int(address + UInt(buffer.count) - end))
    return true
  #else
    return false
  #endif
}

#if os(Linux)
  /// Whether at most one in 16 pages of `[first, first + length)` is in memory (`mincore`,
  /// one byte per page); `false` when the call fails.
  private func fewPagesResident(
    _ first: UnsafeMutableRawPointer, length: Int, pageSize: Int
  ) -> Bool {
    let pages = (length + pageSize - 1) / pageSize
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: pages) { vector in
      guard mincore(first, length, vector.baseAddress) == 0 else { return false }
      var resident = 0
      for state in vector where state & 1 != 0 { resident += 1 }
      return resident * 16 <= pages
    }
  }

  /// Whether `range` lies wholly in mappings of `/proc/self/maps` that are readable,
  /// writable, private (`rw-p`), with no file (inode 0) and either no name or an anonymous
  /// one (`[heap]`, `[anon:…]`).
  private func privateAnonymousMappingsCover(_ range: Range<UInt>) -> Bool {
    guard let maps = readProcFile("/proc/self/maps") else { return false }
    var covered = range.lowerBound
    for line in maps.split(separator: UInt8(ascii: "\n")) {
      let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
      guard fields.count >= 5, let dash = fields[0].firstIndex(of: UInt8(ascii: "-")),
        let low = UInt(String(decoding: fields[0][..<dash], as: UTF8.self), radix: 16),
        let high = UInt(
          String(decoding: fields[0][fields[0].index(after: dash)...], as: UTF8.self), radix: 16)
      else { return false }
      guard low <= covered, high > covered else {
        if low > covered { return false }
        continue
      }
      let name = fields.count > 5 ? String(decoding: fields[5], as: UTF8.self) : ""
      guard fields[1].elementsEqual("rw-p".utf8), fields[4].elementsEqual("0".utf8),
        name.isEmpty || name == "[heap]" || name.hasPrefix("[anon:")
      else { return false }
      covered = high
      if covered >= range.upperBound { return true }
    }
    return false
  }

  /// The whole of a `/proc` file (whose size `fstat` reports as 0), or `nil` on an error.
  private func readProcFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    return try? readToEnd(fd)
  }
#endif
