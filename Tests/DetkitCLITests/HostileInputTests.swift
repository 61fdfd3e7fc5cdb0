import DetStore
import Foundation
import Testing

/// Hostile COCO files through `detkit import coco`: each must end in a clear error naming
/// where the problem is, exit status 1 (not a crash: a signal would show as another status),
/// and a store that holds nothing of the attempt.
struct HostileInputTests {
  /// Imports `json` (strict policy) into a fresh store; returns the result and the
  /// datasets the store holds afterwards.
  static func importCOCO(_ json: String, policy: String = "strict") throws -> (
    CLI.Result, [String]
  ) {
    let directory = try StoreFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("hostile.json")
    try Data(json.utf8).write(to: file)
    let db = directory.appendingPathComponent("store.sqlite").path
    let result = try CLI.run(
      ["import", "coco", file.path, "--db", db, "--name", "hostile", "--policy", policy])
    let names = try AnnotationStore(path: db).datasets().map(\.name)
    return (result, names)
  }

  static let image = #"{"id":1,"file_name":"a.jpg","width":640,"height":480}"#
  static let category = #"{"id":1,"name":"a"}"#

  /// A COCO file whose only annotation has `field` set to `value`.
  static func annotation(_ field: String, _ value: String) -> String {
    var fields = [
      "id": "1", "image_id": "1", "category_id": "1", "bbox": "[1,2,3,4]", "iscrowd": "0",
    ]
    fields[field] = value
    let body = fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }
      .joined(separator: ",")
    return #"{"images":[\#(image)],"categories":[\#(category)],"annotations":[{\#(body)}]}"#
  }

  @Test(arguments: [
    // Deep nesting where the importer skips (an unknown key) and where it keeps the value
    // verbatim (segmentation): the scanner's depth limit must stop both.
    #"{"images":[],"extra":\#(String(repeating: "[", count: 100_000))1\#(String(repeating: "]", count: 100_000))}"#,
    annotation(
      "segmentation",
      String(repeating: "[", count: 100_000) + "1" + String(repeating: "]", count: 100_000)),
    #"{"images":[],"extra":\#(String(repeating: "{\"a\":", count: 50_000))1\#(String(repeating: "}", count: 50_000))}"#,
  ])
  func deepNestingIsAClearError(json: String) throws {
    let (result, datasets) = try Self.importCOCO(json)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("nesting"), "\(result.stderr)")
    #expect(result.stderr.contains("hostile.json:1:"), "no line:column in \(result.stderr)")
    #expect(datasets.isEmpty)
  }

  /// Numbers beyond Double where the importer needs a reference, a size or a coordinate.
  /// (Ids beyond Int64 are kept as text by design, see `RecordID`: "1e400" is then an id
  /// no image has.)
  @Test(arguments: [
    ("image_id", "1e400"),
    ("category_id", "-99999999999999999999"),
    ("bbox", "[1e400,2,3,4]"),
    ("bbox", "[1,2,-1e400,4]"),
    ("bbox", "[1,2,3,1e309]"),
    ("area", "1e400"),
  ])
  func numberOverflowIsAClearError(field: String, value: String) throws {
    let (result, datasets) = try Self.importCOCO(Self.annotation(field, value))
    #expect(result.status == 1, "\(field)=\(value): \(result.stderr)")
    #expect(result.stderr.contains("annotations[0]"), "\(field)=\(value): \(result.stderr)")
    #expect(datasets.isEmpty, "\(field)=\(value)")
  }

  @Test(arguments: [
    ("width", "1e400"), ("height", "99999999999999999999"), ("width", "-1e400"),
  ])
  func imageNumberOverflowIsAClearError(field: String, value: String) throws {
    let image = Self.image.replacingOccurrences(
      of: "\"\(field)\":\(field == "id" ? "1" : field == "width" ? "640" : "480")",
      with: "\"\(field)\":\(value)")
    #expect(image != Self.image)
    let json = #"{"images":[\#(image)],"categories":[\#(Self.category)],"annotations":[]}"#
    let (result, datasets) = try Self.importCOCO(json)
    #expect(result.status == 1, "\(field)=\(value): \(result.stderr)")
    #expect(result.stderr.contains("images[0]"), "\(field)=\(value): \(result.stderr)")
    #expect(datasets.isEmpty)
  }

  /// Ids beyond Int64 that a Double (or a wrapping Int64) would merge stay distinct:
  /// 2^64 + 1 and 2^64 + 2 are the same Double, 2^63 and 2^63 + 1 wrap to negative Int64s.
  @Test func idsBeyondInt64StayDistinct() throws {
    let json = #"""
      {"images":[{"id":9223372036854775808,"file_name":"a.jpg","width":64,"height":48},
                 {"id":9223372036854775809,"file_name":"b.jpg","width":64,"height":48}],
       "categories":[{"id":1,"name":"a"}],
       "annotations":[
         {"id":18446744073709551617,"image_id":9223372036854775808,"category_id":1,"bbox":[1,2,3,4]},
         {"id":18446744073709551618,"image_id":9223372036854775809,"category_id":1,"bbox":[1,2,3,4]}]}
      """#
    let (result, datasets) = try Self.importCOCO(json)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(datasets == ["hostile"])
    #expect(result.stderr.contains("2 images, 2 annotations"), "\(result.stderr)")
  }

  /// A FIFO named as the COCO file: opening it for reading used to wait for a writer
  /// forever; it must be refused as not a regular file, at once.
  @Test func aFIFOAsTheCOCOFileIsRefusedNotWaitedOn() throws {
    let directory = try StoreFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let fifo = directory.appendingPathComponent("pipe.json")
    try #require(mkfifo(fifo.path, 0o600) == 0)
    let db = directory.appendingPathComponent("store.sqlite").path
    let process = try StoreFixtures.start(["import", "coco", fifo.path, "--db", db, "--name", "p"])
    let start = ContinuousClock.now
    while process.isRunning && StoreFixtures.seconds(since: start) < 20 {
      Thread.sleep(forTimeInterval: 0.05)
    }
    let hung = process.isRunning
    if hung { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    #expect(!hung, "import coco of a FIFO still waiting after 20 s")
    #expect(process.terminationReason == .exit && process.terminationStatus == 1)
    let result = try CLI.run(["import", "coco", "/dev/null", "--db", db, "--name", "p"])
    #expect(result.status == 1 && result.stderr.contains("/dev/null"), "\(result.stderr)")
  }
}
