import DetSupport

/// The tensors and metadata of a safetensors file, validated when read; each tensor is
/// viewed from the file's memory mapping when asked for.
///
/// Copies share the mapping, which stays alive as long as the archive or any tensor taken
/// from it does.
public struct SafetensorsArchive: Sendable {
  /// The tensor names in file order (by data offset, as the reference writer lays them out).
  public let names: [String]
  /// The `__metadata__` strings; empty when the file has none.
  public let metadata: [String: String]
  /// The file name errors use.
  public let file: String

  private let entries: [String: SafetensorsHeader.Entry]
  private let backing: Backing
  /// Where the data section starts in the backing bytes.
  private let dataStart: Int

  /// The bytes of the whole file.
  enum Backing: Sendable {
    case mapped(MappedFile)
    case owned([UInt8])
  }

  init(header: SafetensorsHeader, backing: Backing, dataStart: Int, file: String) {
    names = header.entries.map(\.name)
    metadata = header.metadata
    entries = Dictionary(header.entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    self.backing = backing
    self.dataStart = dataStart
    self.file = file
  }

  /// The number of tensors.
  public var count: Int { names.count }

  /// The tensor called `name`, or `nil` if there is none.
  ///
  /// From a mapped file the tensor is a view of the mapping when its data is aligned to its
  /// element size (the reference writer guarantees that); otherwise it is copied.
  ///
  /// - Complexity: O(1) for a mapped, aligned tensor; O(n) otherwise.
  public subscript(name: String) -> Tensor? {
    guard let entry = entries[name] else { return nil }
    let offset = dataStart + entry.begin
    let source = "\(file) [\(name)]"
    switch backing {
    case .mapped(let file) where offset % entry.dtype.size == 0:
      return Tensor(
        dtype: entry.dtype, shape: entry.shape, count: entry.count,
        storage: .mapped(file, offset: offset), source: source)
    case .mapped(let file):
      return copy(entry, from: file.bytes, offset: offset, source: source)
    case .owned(let bytes):
      return bytes.withUnsafeBytes { copy(entry, from: $0, offset: offset, source: source) }
    }
  }

  private func copy(
    _ entry: SafetensorsHeader.Entry, from bytes: UnsafeRawBufferPointer, offset: Int,
    source: String
  ) -> Tensor {
    let length = entry.end - entry.begin
    let words = Tensor.ownedWords(byteCount: length) {
      $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]))
    }
    return Tensor(
      dtype: entry.dtype, shape: entry.shape, count: entry.count, storage: .owned(words),
      source: source)
  }
}
