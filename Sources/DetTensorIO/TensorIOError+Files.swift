import DetSupport
import Foundation

extension TensorIOError {
  /// The `.io` error for a failed system call on the file called `name`.
  init(file name: String, _ failure: SystemCallError) {
    self.init(file: name, problem: .io(operation: failure.call, errno: failure.code))
  }
}

extension MappedFile {
  /// Maps `path` when it is a regular file, reads it to the end otherwise (a pipe,
  /// `/dev/stdin`), with the tensor readers' errors.
  ///
  /// - Throws: `TensorIOError` with `.io` naming the failed call (a directory fails `read`
  ///   with `EISDIR`), or `.truncated` for an empty regular file (it holds no format).
  /// - Complexity: O(1) for a regular file (pages load on first touch), O(n) otherwise.
  static func open(path: String, displayName: String) throws(TensorIOError) -> Contents {
    let contents: Contents
    do {
      contents = try MappedFile.contents(of: path)
    } catch {
      switch error {
      case .system(let failure): throw TensorIOError(file: displayName, failure)
      case .notRegularFile: preconditionFailure("contents(of:) reads what it cannot map")
      }
    }
    if case .mapped(let file) = contents, file.count == 0 {
      throw TensorIOError(
        file: displayName, problem: .truncated(at: 0, needed: 1, what: "an empty file"))
    }
    return contents
  }
}

extension OutputFile {
  /// Writes to `url` every chunk that `chunks` emits, in order, through an ``OutputFile``
  /// (a regular file is replaced atomically: readers never see half a file).
  ///
  /// - Throws: `TensorIOError` `.io` naming the failed call; the target is left as it was.
  /// - Complexity: O(total bytes).
  static func write(
    to url: URL,
    chunks: (_ emit: (UnsafeRawBufferPointer) throws(TensorIOError) -> Void) throws(TensorIOError)
      -> Void
  ) throws(TensorIOError) {
    let name = url.lastPathComponent
    let out: OutputFile
    do throws(SystemCallError) {
      out = try OutputFile(path: url.path)
    } catch {
      throw TensorIOError(file: name, error)
    }
    // A throw below drops `out` uncommitted, which removes its temporary file.
    try chunks { (bytes) throws(TensorIOError) in
      do throws(SystemCallError) {
        try out.write(bytes)
      } catch {
        throw TensorIOError(file: name, error)
      }
    }
    do throws(SystemCallError) {
      try out.commit()
    } catch {
      throw TensorIOError(file: name, error)
    }
  }
}
