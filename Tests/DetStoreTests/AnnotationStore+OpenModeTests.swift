import Foundation
import Testing

@testable import DetStore

private let here = SourceLocation(file: "test")

/// The files a store at `path` could have made: the database and its WAL companions.
private func storeFiles(_ path: String) -> [String] {
  [path, path + "-wal", path + "-shm", path + "-journal"].filter {
    FileManager.default.fileExists(atPath: $0)
  }
}

private func addToy(_ store: AnnotationStore, named name: String, images: Int) throws {
  _ = try store.importDataset(named: name, format: "test", source: "mem") { w in
    try w.add(CategoryRecord(id: .int(1), name: "cat"), at: here)
    for i in 0..<images {
      try w.add(
        ImageRecord(id: .int(Int64(i)), fileName: "\(i).jpg", width: 64, height: 48), at: here)
    }
  }
}

@Test(arguments: [AnnotationStore.OpenMode.readOnly, .existing])
func openingAMissingStoreWithoutCreateFailsAndCreatesNothing(mode: AnnotationStore.OpenMode)
  throws
{
  let temp = try TemporaryStore()
  let path = temp.directory.appendingPathComponent("missing.sqlite").path
  #expect {
    _ = try AnnotationStore(path: path, mode: mode)
  } throws: { error in
    guard let e = error as? StoreError else { return false }
    return e.code == .notFound && "\(e)" == "no such store: \(path)"
  }
  #expect(storeFiles(path) == [])
}

/// The default mode still creates a store (imports rely on it).
@Test func theDefaultModeCreatesAMissingStore() throws {
  let temp = try TemporaryStore()
  let path = temp.directory.appendingPathComponent("new.sqlite").path
  #expect(try AnnotationStore(path: path).datasets().isEmpty)
  #expect(storeFiles(path).contains(path))
}

/// A read-only connection reads a WAL store, sees what another connection commits after it
/// was opened, and cannot write.
@Test func aReadOnlyStoreReadsCommitsOfAWriterAndCannotWrite() throws {
  let temp = try TemporaryStore()
  try addToy(temp.opened, named: "first", images: 3)
  let reader = try AnnotationStore(path: temp.path, mode: .readOnly)
  #expect(try reader.datasets().map(\.name) == ["first"])
  // The writer still holds its connection: the new dataset lives in the WAL, not the file.
  try addToy(temp.opened, named: "second", images: 5)
  #expect(try reader.datasets().map(\.name).sorted() == ["first", "second"])
  #expect(try reader.dataset(named: "second").images == 5)
  #expect {
    try reader.deleteDataset(named: "first")
  } throws: { ($0 as? StoreError)?.code == .sqlite }
  #expect(try temp.opened.dataset(named: "first").images == 3)
}

/// A second read-only connection opened after the writer closed (WAL checkpointed and
/// removed) still reads everything.
@Test func aReadOnlyStoreOpensAClosedWALStore() throws {
  let temp = try TemporaryStore()
  try addToy(temp.opened, named: "toy", images: 2)
  temp.close()
  let reader = try AnnotationStore(path: temp.path, mode: .readOnly)
  #expect(try reader.dataset(named: "toy").images == 2)
}

/// An empty file is not a store: read-only refuses it and leaves it empty.
@Test func readOnlyRefusesAFileWithoutSchemaAndWritesNothing() throws {
  let temp = try TemporaryStore()
  let path = temp.directory.appendingPathComponent("empty.sqlite").path
  #expect(FileManager.default.createFile(atPath: path, contents: Data()))
  #expect {
    _ = try AnnotationStore(path: path, mode: .readOnly)
  } throws: { ($0 as? StoreError)?.code == .olderSchema && "\($0)".contains(path) }
  let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
  #expect(size == 0)
}

/// `.existing` opens an existing store for writing.
@Test func existingModeWritesToAnExistingStore() throws {
  let temp = try TemporaryStore()
  temp.close()
  let store = try AnnotationStore(path: temp.path, mode: .existing)
  try addToy(store, named: "toy", images: 1)
  #expect(try store.dataset(named: "toy").images == 1)
}
