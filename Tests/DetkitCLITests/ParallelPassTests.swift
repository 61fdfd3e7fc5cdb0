import Foundation
import Testing

/// `coverage` and `targets` give the same bytes with `--threads 1` (a plain serial loop) as
/// with several threads (images in flight at once, finishing out of order).
enum ParallelPass {
  /// A store with dataset "p": `count` images of 640 x 480, 1 to 12 boxes each (so the work per
  /// image varies).
  static func setup(images count: Int = 40) throws -> (db: String, dir: URL) {
    let dir = try StoreFixtures.temporaryDirectory()
    var images: [String] = []
    var annotations: [String] = []
    var id = 0
    for i in 1...count {
      images.append(#"{"id":\#(i),"file_name":"\#(i).jpg","width":640,"height":480}"#)
      for k in 0..<(1 + (i * 7) % 12) {
        id += 1
        let (x, y) = ((i * 37 + k * 53) % 560, (i * 19 + k * 41) % 400)
        let (w, h) = (8 + (i * k * 13) % 70, 8 + (i + k * 29) % 70)
        annotations.append(
          #"{"id":\#(id),"image_id":\#(i),"category_id":\#(k % 8 + 1),"bbox":[\#(x),\#(y),\#(w),\#(h)],"area":\#(w * h),"iscrowd":\#(k == 5 ? 1 : 0)}"#
        )
      }
    }
    let categories = (1...8).map { #"{"id":\#($0),"name":"c\#($0)"}"# }
    let json = dir.appendingPathComponent("p.json")
    try Data(
      (#"{"images":[\#(images.joined(separator: ","))],"annotations":[\#(annotations.joined(separator: ","))],"categories":[\#(categories.joined(separator: ","))]}"#)
        .utf8
    ).write(to: json)
    let db = dir.appendingPathComponent("p.sqlite").path
    let r = try CLI.run(["import", "coco", json.path, "--db", db, "--name", "p"])
    try #require(r.status == 0, "\(r.stderr)")
    return (db, dir)
  }

  /// Runs `arguments` with `--threads 1` and with `--threads 4`; both must succeed.
  static func both(_ arguments: [String]) throws -> (serial: CLI.Result, parallel: CLI.Result) {
    let serial = try CLI.run(arguments + ["--threads", "1"])
    let parallel = try CLI.run(arguments + ["--threads", "4"])
    #expect(serial.status == 0, "\(serial.stderr)")
    #expect(parallel.status == 0, "\(parallel.stderr)")
    return (serial, parallel)
  }
}

@Test func coverageIsTheSameOnOneThreadAndOnSeveral() throws {
  let s = try ParallelPass.setup()
  for preset in ["retinanet", "fpn"] {
    let r = try ParallelPass.both([
      "coverage", "--db", s.db, "--name", "p", "--preset", preset, "--resize", "none", "--json",
    ])
    #expect(!r.serial.stdout.isEmpty)
    #expect(r.parallel.stdout == r.serial.stdout)
  }
}

@Test func targetsAreTheSameOnOneThreadAndOnSeveral() throws {
  let s = try ParallelPass.setup()
  let one = s.dir.appendingPathComponent("one.safetensors")
  let four = s.dir.appendingPathComponent("four.safetensors")
  let base = [
    "targets", "--db", s.db, "--name", "p", "--preset", "retinanet", "--ignore-crowd",
    "--resize", "none",
  ]
  let serial = try CLI.run(base + ["--output", one.path, "--threads", "1"])
  let parallel = try CLI.run(base + ["--output", four.path, "--threads", "4"])
  #expect(serial.status == 0 && parallel.status == 0, "\(serial.stderr) \(parallel.stderr)")
  let a = try Data(contentsOf: one)
  #expect(a.count > 1_000_000)
  #expect(try Data(contentsOf: four) == a)
  // NPY folders too: every file the same.
  let dirOne = s.dir.appendingPathComponent("npy1")
  let dirFour = s.dir.appendingPathComponent("npy4")
  #expect(
    try CLI.run(base + ["--output", dirOne.path, "--threads", "1"]).status == 0)
  #expect(
    try CLI.run(base + ["--output", dirFour.path, "--threads", "4"]).status
      == 0)
  let names = try FileManager.default.contentsOfDirectory(atPath: dirOne.path).sorted()
  #expect(names.count == 120)
  #expect(try FileManager.default.contentsOfDirectory(atPath: dirFour.path).sorted() == names)
  for name in names {
    #expect(
      try Data(contentsOf: dirFour.appendingPathComponent(name))
        == Data(contentsOf: dirOne.appendingPathComponent(name)), "\(name)")
  }
}
