#if canImport(Glibc)
  import Glibc
#endif

/// Bytes below which a buffer is left alone: smaller buffers come from the heap, and a
/// huge page is 2 MiB.
private let hugePageAdviceMinimum = 8 << 20

/// Asks the kernel to back the whole 2 MiB pages inside a freshly allocated, not yet
/// written buffer with transparent huge pages (`madvise(MADV_HUGEPAGE)`).
///
/// A large result matrix (the 100 x 268,569 IoU matrix is 107 MB) comes from a fresh
/// anonymous mapping, and writing it first costs one page fault per 4 KiB page: about
/// 26,000 faults, more time than computing the values. With the advice the kernel maps
/// and zeroes 2 MiB at a time (51 faults). The advice changes no content, so calling it
/// on memory the allocator reused, or where THP is off (`never`), is harmless; on other
/// systems, and for buffers under 8 MiB, it does nothing.
///
/// - Complexity: O(1), one system call.
package func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
  #if os(Linux)
    guard buffer.count >= hugePageAdviceMinimum, let base = buffer.baseAddress else { return }
    let hugePage = UInt(2 << 20)
    let start = (UInt(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
    let end = (UInt(bitPattern: base) + UInt(buffer.count)) & ~(hugePage - 1)
    guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(pointer, Int(end - start), MADV_HUGEPAGE)
  #endif
}
