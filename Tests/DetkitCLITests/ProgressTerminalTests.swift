import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `--progress` end to end: detkit runs with its stderr on the slave side of a real
/// pseudo-terminal (so `isatty` is true, as for a user at a terminal) or on a pipe, and the
/// test reads what reached the terminal from the master side.
enum Terminal {
  /// Runs `detkit arguments` with stderr on a fresh pseudo-terminal, stdout on a pipe.
  /// Returns the exit status, stdout and every byte written to the terminal.
  static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, tty: String) {
    var master: Int32 = -1
    var slave: Int32 = -1
    guard openpty(&master, &slave, nil, nil, nil) == 0 else {
      throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
    }
    let reader = master
    let process = Process()
    process.executableURL = CLI.executable
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
    process.standardInput = FileHandle.nullDevice
    // Drain the master while the child runs: a terminal's buffer is small.
    nonisolated(unsafe) var tty = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      var buffer = [UInt8](repeating: 0, count: 4096)
      while true {
        let n = read(reader, &buffer, buffer.count)
        if n > 0 {
          tty.append(contentsOf: buffer[0..<n])
        } else if n < 0 && errno == EINTR {
          continue
        } else {
          break  // EIO once every slave descriptor is closed (Linux), or end of file
        }
      }
      group.leave()
    }
    try process.run()
    close(slave)  // the child holds its own copy; the reader sees EIO when it exits
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    group.wait()
    close(master)
    return (
      process.terminationStatus, String(decoding: stdout, as: UTF8.self),
      String(decoding: tty, as: UTF8.self)
    )
  }

  /// A store with dataset "d": 6 images of 640 x 480, 3 boxes each.
  static func store() throws -> (db: String, json: URL) {
    let dir = try StoreFixtures.temporaryDirectory()
    let json = dir.appendingPathComponent("d.json")
    try StoreFixtures.writeCOCO(images: 6, perImage: 3, to: json)
    let db = dir.appendingPathComponent("s.sqlite").path
    let r = try CLI.run(["import", "coco", json.path, "--db", db, "--name", "d"])
    try #require(r.status == 0, "\(r.stderr)")
    return (db, json)
  }

  /// The coverage arguments the tests share (`--resize none` keeps each image cheap).
  static func coverage(_ db: String, _ extra: [String] = []) -> [String] {
    ["coverage", "--db", db, "--name", "d", "--preset", "retinanet", "--resize", "none", "--json"]
      + extra
  }
}

@Test func progressBarAppearsOnATerminalWithCountRateAndTimeLeft() throws {
  let (db, _) = try Terminal.store()
  let r = try Terminal.run(Terminal.coverage(db))
  #expect(r.status == 0, "\(r.tty)")
  // The first image redraws at once: 1 of 6 done, a rate and the time left.
  #expect(r.tty.contains("\rcoverage of d  [###"), "\(r.tty)")
  #expect(r.tty.contains("1/6 images"), "\(r.tty)")
  #expect(
    r.tty.range(of: #"\d+(\.\d)? images/s  ETA \d+:\d\d"#, options: .regularExpression) != nil)
  // The last line is the final state, ended by a newline (the terminal writes CR LF).
  #expect(
    r.tty.range(
      of: #"6/6 images  \S+ images/s  in \d+:\d\d\e\[K\r\n$"#, options: .regularExpression) != nil,
    "\(r.tty)")
  // stdout stays clean JSON.
  let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
  #expect(json?["images"] as? Int == 6)
}

@Test func importShowsBytesAndMegabytesPerSecondOnATerminal() throws {
  let dir = try StoreFixtures.temporaryDirectory()
  let json = dir.appendingPathComponent("d.json")
  try StoreFixtures.writeCOCO(images: 40, perImage: 2, to: json)
  let size = try #require(
    (try FileManager.default.attributesOfItem(atPath: json.path)[.size] as? NSNumber)?.intValue)
  let total = String(format: "%.1f", Double(size) / 1e6)
  let r = try Terminal.run([
    "import", "coco", json.path, "--db", dir.appendingPathComponent("s.sqlite").path, "--name",
    "d",
  ])
  #expect(r.status == 0, "\(r.tty)")
  #expect(r.tty.contains("\(total)/\(total) MB"), "\(r.tty)")
  #expect(r.tty.contains(" MB/s  in "), "\(r.tty)")
  #expect(r.tty.contains("imported \"d\""))
}

@Test func progressNeverKeepsATerminalQuiet() throws {
  let (db, _) = try Terminal.store()
  let r = try Terminal.run(Terminal.coverage(db, ["--progress", "never"]))
  #expect(r.status == 0)
  #expect(r.tty.isEmpty, "\(r.tty)")
}

@Test func noProgressIntoAPipeUnlessAsked() throws {
  let (db, json) = try Terminal.store()
  let auto = try CLI.run(Terminal.coverage(db))
  #expect(auto.status == 0)
  #expect(auto.stderr.isEmpty, "\(auto.stderr)")
  let imported = try CLI.run(["import", "coco", json.path, "--db", db, "--name", "e"])
  #expect(imported.stderr == "imported \"e\": 8 categories, 6 images, 18 annotations\n")

  let always = try CLI.run(Terminal.coverage(db, ["--progress", "always"]))
  #expect(always.status == 0)
  #expect(always.stderr.contains("6/6 images"), "\(always.stderr)")
  #expect(always.stderr.hasSuffix("\n"))
  #expect(always.stdout == auto.stdout)
}

/// The dataset commands of issue 16 on the store of ``Terminal/store()`` (6 images, 18
/// boxes), with a results file of 5 detections imported as set "default" for `export
/// coco-results`: each with its bar's label and final count.
enum DatasetCommands {
  /// `(arguments, label, total, unit)` per command; a fresh store per call.
  static func all() throws -> [(arguments: [String], label: String, total: Int, unit: String)] {
    let (db, _) = try Terminal.store()
    let dir = URL(fileURLWithPath: db).deletingLastPathComponent()
    let results = dir.appendingPathComponent("dets.json")
    let detections = (1...5).map {
      #"{"image_id": \#($0), "category_id": 1, "bbox": [1, 2, 30, 40], "score": 0.5}"#
    }
    try Data(("[" + detections.joined(separator: ",") + "]").utf8).write(to: results)
    let imported = try CLI.run(["import", "coco-results", results.path, "--db", db, "--name", "d"])
    try #require(imported.status == 0, "\(imported.stderr)")
    let out = dir.appendingPathComponent("out.json").path
    let map = dir.appendingPathComponent("map.json").path
    try Data(#"{"class1": "class3", "class2": "class3"}"#.utf8).write(
      to: URL(fileURLWithPath: map))
    // split, filter (every image has a class1 box) and merge read 6 images + 18 boxes; the
    // export writes 5 detections; images reads 6 images; eval counts steps. remap runs last:
    // it changes "d".
    return [
      (
        ["split", "--db", db, "--name", "d", "--parts", "a=0.5,b=0.5"], "splitting d", 24, "records"
      ),
      (
        ["filter", "--db", db, "--name", "d", "--into", "f", "--category", "class1"],
        "filtering d", 24, "records"
      ),
      (["merge", "--db", db, "--into", "m", "d"], "merging into m", 24, "records"),
      (
        ["export", "coco-results", "--db", db, "--name", "d", "--output", out],
        "exporting default of d", 5, "records"
      ),
      (["images", "--db", db, "--name", "d"], "listing images of d", 6, "images"),
      // eval: 6 images x 8 categories matched, then 8 categories accumulated.
      (["eval", "--db", db, "--name", "d"], "evaluating default of d", 6 * 8 + 8, "steps"),
      // Two categories merge into class3: the 18 boxes are read twice.
      (["remap", "--db", db, "--name", "d", "--map", map], "remapping d", 36, "records"),
    ]
  }
}

@Test func datasetCommandsShowABarOnATerminal() throws {
  for (arguments, label, total, unit) in try DatasetCommands.all() {
    let r = try Terminal.run(arguments)
    #expect(r.status == 0, "\(arguments): \(r.tty)")
    #expect(r.tty.contains("\r\(label)  ["), "\(arguments): \(r.tty)")
    // The final state: everything done, a rate, the time taken, the line ended.
    #expect(
      r.tty.range(
        of: #"\#(total)/\#(total) \#(unit)  \S+ \#(unit)/s  in \d+:\d\d\e\[K\r\n"#,
        options: .regularExpression) != nil, "\(arguments): \(r.tty)")
  }
}

@Test func datasetCommandsStayQuietWithProgressNeverOrIntoAPipe() throws {
  for (arguments, _, _, unit) in try DatasetCommands.all() {
    let never = try Terminal.run(arguments + ["--progress", "never"])
    #expect(never.status == 0, "\(arguments): \(never.tty)")
    // Their reports still reach the terminal; no bar (no line erased, no rate) does.
    #expect(!never.tty.contains("\u{1B}[K"), "\(arguments): \(never.tty)")
    #expect(!never.tty.contains(" \(unit)/s"), "\(arguments): \(never.tty)")
  }
  // Fresh stores for each run: the commands write new datasets.
  let auto = try DatasetCommands.all().map { try CLI.run($0.arguments) }
  let always = try DatasetCommands.all().map {
    try CLI.run($0.arguments + ["--progress", "always"])
  }
  for ((arguments, _, total, unit), (auto, always)) in zip(
    try DatasetCommands.all(), zip(auto, always))
  {
    #expect(auto.status == 0, "\(arguments): \(auto.stderr)")
    #expect(!auto.stderr.contains("\u{1B}[K"), "\(arguments): \(auto.stderr)")
    #expect(always.status == 0, "\(arguments): \(always.stderr)")
    #expect(always.stderr.contains("\(total)/\(total) \(unit)"), "\(arguments): \(always.stderr)")
    #expect(always.stdout == auto.stdout)
  }
}
