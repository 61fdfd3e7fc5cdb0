import DetStore

/// An in-memory store for a harness, created once per process.
public func makeFuzzStore() -> AnnotationStore {
  do { return try AnnotationStore(path: ":memory:") } catch { fatalError("\(error)") }
}

/// Checks what every importer promises for one fuzz input: `run` imports into `store` as
/// dataset `name`; a failure must be a `StoreError` that leaves no dataset; a landed dataset
/// must read back with the image and annotation counts it reports, then pass `landed`
/// (harness-specific checks), and is deleted again. Any broken promise traps, which is
/// what the fuzzer reports.
public func checkImportOutcome(
  in store: AnnotationStore, named name: String = "fuzz", _ run: () throws -> Void,
  landed: () throws -> Void = {}
) {
  do {
    try run()
  } catch let error as StoreError {
    _ = error.description
    precondition((try? store.datasets())?.isEmpty == true, "a failed import left a dataset")
    return
  } catch {
    preconditionFailure("not a StoreError: \(error)")
  }
  do {
    let info = try store.dataset(named: name)
    var images = 0
    var annotations = 0
    try store.forEachImage(in: name) { _ in images += 1 }
    try store.forEachAnnotation(in: name) { _ in annotations += 1 }
    precondition(images == info.images && annotations == info.annotations)
    try landed()
    try store.deleteDataset(named: name)
  } catch {
    preconditionFailure("a landed dataset does not read back: \(error)")
  }
}
