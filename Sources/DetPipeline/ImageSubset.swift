import DetStore
import Foundation

/// The images a run is restricted to: a text file of image ids or file names, one a line
/// (`--subset FILE`), resolved against a stored dataset.
///
/// A line is trimmed of surrounding white space; empty lines and lines starting with `#`
/// are skipped. A line names an image when it equals the image's original id as text (an
/// integer-like line names that integer id, as the store canonicalises ids) or its file
/// name.
public struct ImageSubset: Sendable, Hashable {
  /// The file, as the user named it.
  public let file: String
  /// The images named.
  public let ids: Set<RecordID>

  /// Reads `file` and resolves every line against dataset `name` of `store`.
  ///
  /// - Throws: ``PipelineError``: ``PipelineError/Code/badInput`` for an unreadable file, a
  ///   line that names no image of the dataset (its line number and text), or a store
  ///   error.
  /// - Complexity: one pass over the dataset's images; memory O(lines).
  public init(file: String, store: AnnotationStore, dataset name: String) throws(PipelineError) {
    self.file = file
    let text: String
    do {
      text = try String(contentsOfFile: file, encoding: .utf8)
    } catch {
      throw PipelineError.wrapping(error, .badInput, at: file)
    }
    var wanted: [String: Int] = [:]  // line text -> first line number
    for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false)
      .enumerated()
    {
      let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
      if line.isEmpty || line.hasPrefix("#") { continue }
      if wanted[line] == nil { wanted[line] = number + 1 }
    }
    var found: Set<String> = []
    var ids: Set<RecordID> = []
    do {
      try store.forEachImage(in: name) { record in
        for key in [record.id.description, record.fileName] where wanted[key] != nil {
          found.insert(key)
          ids.insert(record.id)
        }
      }
    } catch {
      throw PipelineError.wrapping(error, .badInput)
    }
    // An integer-like line such as "007" names image 7 when no file is called "007".
    for (line, _) in wanted where !found.contains(line) {
      let id = RecordID(canonicalizing: line)
      if id.description != line, (try? store.image(in: name, id: id)) != nil {
        found.insert(line)
        ids.insert(id)
      }
    }
    if let (line, number) = wanted.filter({ !found.contains($0.key) }).min(by: {
      $0.value < $1.value
    }) {
      throw PipelineError(
        .badInput, at: "\(file):\(number)",
        "\(line.debugDescription) is neither an image id nor a file name of dataset \(name)")
    }
    self.ids = ids
  }

  /// Whether `id` is in the subset.
  public func contains(_ id: RecordID) -> Bool { ids.contains(id) }
}
